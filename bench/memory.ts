import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox } from '../main/sandbox/sandbox.js';
import { jpeg } from '../test/fixtures/scans.js';
import {
  exitOf,
  mb,
  peakRss,
  percentile,
  sleep,
  startCli,
  TOKEN,
  withTempDir,
  writeConfig,
  type BenchContext,
} from './lib.js';

/**
 * docs/architecture.md#performance-targets: uploads stream from disk, so ten 9 MB uploads peak within 10 MB
 * of ten 1 MB uploads. Each run is the built CLI (`watch --once`) in a child
 * process; its peak RSS (VmHWM) is read from /proc while it runs. One run's
 * peak moves by ±5 MB with garbage-collector timing alone, whatever the file
 * size, so each size runs three times (interleaved) and the medians are compared.
 */

const RUNS = 3;

export async function memoryBench(ctx: BenchContext): Promise<void> {
  const smalls: (number | null)[] = [];
  const bigs: (number | null)[] = [];
  for (let run = 0; run < (ctx.quick ? 1 : RUNS); run++) {
    smalls.push(await peakFor(1, ctx));
    bigs.push(await peakFor(9, ctx));
  }
  const small = median(smalls);
  const big = median(bigs);
  if (small === null || big === null) {
    ctx.report('peak RSS: not measured (needs Linux /proc)');
    return;
  }
  ctx.report(
    `peak RSS ten 9 MB uploads: ${mb(big)} vs ten 1 MB uploads: ${mb(small)} → ${big >= small ? '+' : '−'}${mb(Math.abs(big - small))}, ${(big / small).toFixed(2)}× (median of ${smalls.length}; within +10 MB passes)`,
  );
}

/** The middle reading; null when any run could not be measured. */
function median(peaks: (number | null)[]): number | null {
  return peaks.every((p) => p !== null) ? percentile(peaks as number[], 50) : null;
}

async function peakFor(megabytes: number, ctx: BenchContext): Promise<number | null> {
  const sandbox = await startSandbox({ port: 0, token: TOKEN });
  try {
    return await withTempDir(`rss-${megabytes}`, async (dir) => {
      const scans = join(dir, 'Scans');
      await mkdir(scans);
      const count = ctx.quick ? 5 : 10;
      for (let i = 0; i < count; i++)
        await writeFile(
          join(scans, `scan-${i}.jpg`),
          jpeg(megabytes * 1024 * 1024 - 4096, 9000 + i),
        );
      const config = await writeConfig(dir, sandbox.url, { settleMs: 0 });
      const child = startCli(['watch', '--once', '--config', config], join(dir, 'data'));
      const done = exitOf(child);
      let peak: number | null = null;
      let running = true;
      void done.finally(() => (running = false));
      while (running) {
        const now = peakRss(child.pid!);
        if (now !== null) peak = Math.max(peak ?? 0, now);
        await sleep(10);
      }
      await done;
      if (sandbox.received().length !== count)
        throw new Error(`only ${sandbox.received().length} of ${count} uploaded`);
      return peak;
    });
  } finally {
    await sandbox.close();
  }
}
