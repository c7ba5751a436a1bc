import { join } from 'node:path';
import { Ledger, ledgerDir } from '../main/engine/ledger/ledger.js';
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
 * On a shared 2-core machine one pair of runs swings by a tenth either way, so
 * the uploader and the CLI take turns three times and the median ratio counts,
 * after one unmeasured turn of the uploader that warms the sandbox up.
 */

export const BACKLOG_BYTES = 50 * 1024;

/** Turns of the uploader and the CLI (one with --quick). */
const ROUNDS = 3;

interface Round {
  rate: number;
  /** Files/s from the first upload until the last file was moved to Uploaded/. */
  doneRate: number;
  seconds: number;
  cpuMs: number | null;
  nodeRate: number;
  nodeCpu: number | null;
  curlRate?: number;
}

export async function throughputBench(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 300 : 2000;
  const size = `${count} x ${BACKLOG_BYTES / 1024} KB`;
  const sandbox = await startSandbox({ port: 0, token: TOKEN });
  const rounds: Round[] = [];
  try {
    // Unmeasured: a sandbox whose code V8 is still compiling answers the first turn's uploader a
    // fifth slower than later ones, which made the first ratio look better than it was.
    await withTempDir('throughput-warm-up', async (dir) => {
      sandbox.reset();
      await nodeUploader(
        await writeReceipts(join(dir, 'Scans'), count, BACKLOG_BYTES),
        sandbox.url,
      );
    });
    for (let i = 0; i < (ctx.quick ? 1 : ROUNDS); i++)
      rounds.push(await withTempDir('throughput', (dir) => oneRound(dir, sandbox, count, i === 0)));
  } finally {
    await sandbox.close();
  }
  const ratios = rounds.map((r) => r.rate / r.nodeRate);
  const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)];
  const mid = rounds[ratios.indexOf(median)];
  for (const r of rounds)
    ctx.report(
      `  throughput round: ${r.rate.toFixed(1)} files/s${cpuPerFile(r.cpuMs, count)}, all moved at ${r.doneRate.toFixed(1)} files/s, whole run ${r.seconds.toFixed(1)} s; node uploader ${r.nodeRate.toFixed(1)} files/s${cpuPerFile(r.nodeCpu, count)}; ratio ${(r.rate / r.nodeRate).toFixed(2)}`,
    );
  ctx.report(
    `throughput: ${size}: ${mid.rate.toFixed(1)} files/s${cpuPerFile(mid.cpuMs, count)}, all moved at ${mid.doneRate.toFixed(1)} files/s; node uploader ${mid.nodeRate.toFixed(1)} files/s${cpuPerFile(mid.nodeCpu, count)}; ratio ${median.toFixed(2)}, median of ${rounds.length} (target >= 0.5)`,
  );
  const curlRate = rounds[0].curlRate!;
  ctx.report(
    `throughput vs curl: ${size}: ${rounds[0].rate.toFixed(1)} files/s; curl --parallel-max ${CONCURRENCY} ${curlRate.toFixed(1)} files/s; ratio ${(rounds[0].rate / curlRate).toFixed(2)}`,
  );
}

/** The uploader (and, when asked, curl) then the CLI over one freshly written backlog. */
async function oneRound(
  dir: string,
  sandbox: Sandbox,
  count: number,
  withCurl: boolean,
): Promise<Round> {
  const files = await writeReceipts(join(dir, 'Scans'), count, BACKLOG_BYTES);

  sandbox.reset();
  const nodeCpu = await nodeUploader(files, sandbox.url);
  const nodeRate = uploadRate(sandbox, count, 'the Node uploader');

  let curlRate: number | undefined;
  if (withCurl) {
    sandbox.reset();
    await curlParallel(files, sandbox.url, dir);
    curlRate = uploadRate(sandbox, count, 'curl');
  }

  sandbox.reset();
  const { rate, seconds, cpuMs } = await backlogRun(dir, sandbox, count);
  const doneRate = await movedRate(dir, sandbox, count);
  return { rate, doneRate, seconds, cpuMs, nodeRate, nodeCpu, curlRate };
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

/**
 * A scan is done for its user once it has left the folder: files/s from the
 * first upload until the last file was moved, as the ledger the run left
 * says. The target compares uploads with uploads; this shows whether the
 * moves kept up.
 */
async function movedRate(dir: string, sandbox: Sandbox, count: number): Promise<number> {
  const ledger = await Ledger.open(ledgerDir(join(dir, 'data')), { readOnly: true });
  try {
    const moved = ledger.recent(Infinity, (r) => r.disposition === 'moved');
    if (moved.length !== count)
      throw new Error(`concur-drop moved ${moved.length} of ${count} files`);
    const last = Math.max(...moved.map((r) => r.updatedAt));
    return (count - 1) / Math.max((last - sandbox.received()[0].at) / 1000, 0.001);
  } finally {
    await ledger.close();
  }
}
