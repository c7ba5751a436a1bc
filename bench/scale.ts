import { join } from 'node:path';
import { startSandbox } from '../main/sandbox/sandbox.js';
import { cpuPerFile, TOKEN, withTempDir, writeReceipts, type BenchContext } from './lib.js';
import { backlogRun } from './throughput.js';

/**
 * docs/architecture.md#performance-targets: the cost of a file must not grow with the backlog around it (a
 * year of scans on a share, a morning's batch on a shared scanner PC). The
 * same `watch --once` as the throughput line over 500 and then 3,000 small
 * receipts; the target is files/s at 3,000 ≥ 0.85× files/s at 500.
 */

const SMALL_BYTES = 10 * 1024;

export async function scaleBench(ctx: BenchContext): Promise<void> {
  const [few, many] = ctx.quick ? [100, 600] : [500, 3000];
  const small = await runFor(few);
  const large = await runFor(many);
  // CPU per file barely moves with other work on the machine, files/s does: both are shown.
  const byCpu =
    large.cpuMs === null || small.cpuMs === null
      ? ''
      : `; by CPU per file ${(small.cpuMs / few / (large.cpuMs / many)).toFixed(2)}`;
  ctx.report(
    `scale: ${SMALL_BYTES / 1024} KB receipts: ${many} at ${large.rate.toFixed(1)} files/s${cpuPerFile(large.cpuMs, many)}; ${few} at ${small.rate.toFixed(1)} files/s${cpuPerFile(small.cpuMs, few)}; ratio ${(large.rate / small.rate).toFixed(2)} (target >= 0.85)${byCpu}`,
  );
}

async function runFor(count: number) {
  const sandbox = await startSandbox({ port: 0, token: TOKEN });
  try {
    return await withTempDir(`scale-${count}`, async (dir) => {
      await writeReceipts(join(dir, 'Scans'), count, SMALL_BYTES);
      return backlogRun(dir, sandbox, count);
    });
  } finally {
    await sandbox.close();
  }
}
