import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../main/sandbox/sandbox.js';
import { curlParallel, nodeUploader } from './baselines.js';
import {
  CONCURRENCY,
  cpuPerFile,
  exitOf,
  followCpu,
  startCli,
  TOKEN,
  uploadRate,
  withTempDir,
  writeConfig,
  writeReceipts,
  type BenchContext,
} from './lib.js';

/**
 * docs/architecture.md#performance-targets: a backlog of 2,000 × 50 KB receipts present at start, sent by
 * the built CLI (`watch --once`, `settleMs` 0, the default afterUpload: move)
 * and, first, while the files are still in place, by the two baselines with
 * the same concurrency to the same sandbox: a minimal keep-alive Node uploader
 * (the target is ≥ 0.5× its speed) and one `curl --parallel`.
 */

export const BACKLOG_BYTES = 50 * 1024;

export async function throughputBench(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 300 : 2000;
  const size = `${count} x ${BACKLOG_BYTES / 1024} KB`;
  const sandbox = await startSandbox({ port: 0, token: TOKEN });
  try {
    await withTempDir('throughput', async (dir) => {
      const files = await writeReceipts(join(dir, 'Scans'), count, BACKLOG_BYTES);

      sandbox.reset();
      const nodeCpu = await nodeUploader(files, sandbox.url);
      const nodeRate = uploadRate(sandbox, count, 'the Node uploader');

      sandbox.reset();
      await curlParallel(files, sandbox.url, dir);
      const curlRate = uploadRate(sandbox, count, 'curl');

      sandbox.reset();
      const { rate, seconds, cpuMs } = await backlogRun(dir, sandbox, count);

      ctx.report(
        `throughput: ${size}: ${rate.toFixed(1)} files/s${cpuPerFile(cpuMs, count)}, whole run ${seconds.toFixed(1)} s; node uploader ${nodeRate.toFixed(1)} files/s${cpuPerFile(nodeCpu, count)}; ratio ${(rate / nodeRate).toFixed(2)} (target >= 0.5)`,
      );
      ctx.report(
        `throughput vs curl: ${size}: ${rate.toFixed(1)} files/s; curl --parallel-max ${CONCURRENCY} ${curlRate.toFixed(1)} files/s; ratio ${(rate / curlRate).toFixed(2)}`,
      );
    });
  } finally {
    await sandbox.close();
  }
}

/**
 * One `watch --once` of the built CLI over the backlog already in `dir/Scans`:
 * the upload-phase files/s, the seconds from launch to exit and the CPU time
 * it used (null when /proc cannot tell).
 * `nodeArgs` go to node itself (e.g. `--cpu-prof`).
 */
export async function backlogRun(
  dir: string,
  sandbox: Sandbox,
  count: number,
  nodeArgs: string[] = [],
): Promise<{ rate: number; seconds: number; cpuMs: number | null }> {
  const config = await writeConfig(dir, sandbox.url, { settleMs: 0, concurrency: CONCURRENCY });
  const started = Date.now();
  const child = startCli(['watch', '--once', '--config', config], join(dir, 'data'), nodeArgs);
  const cpu = followCpu(child.pid!);
  let cpuMs: number | null;
  try {
    await exitOf(child);
  } finally {
    cpuMs = cpu.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  return { rate: uploadRate(sandbox, count, 'concur-drop'), seconds, cpuMs };
}
