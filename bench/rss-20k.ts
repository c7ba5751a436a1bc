import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox } from '../main/sandbox/sandbox.js';
import {
  CONCURRENCY,
  exitOf,
  mb,
  peakRss,
  startCli,
  TOKEN,
  uploadRate,
  withTempDir,
  writeConfig,
  writeReceipts,
  type BenchContext,
} from './lib.js';

/**
 * Issue 7, "Memory is bounded": the resident memory of `watch --once` (the
 * built CLI) over a backlog of 20,000 small receipts. Old finished jobs must
 * leave memory, so the peak stays under 200 MB however long the backlog;
 * the final figure is the last reading before the process exits.
 *
 *   npx tsx bench/rss-20k.ts [--files N]   (or `npm run bench -- --only rss`)
 */

const SMALL_BYTES = 10 * 1024;
const TARGET_BYTES = 200 * 1024 * 1024;

export async function rssBench(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 2000 : 20_000;
  await report(count, ctx);
}

async function report(count: number, ctx: Pick<BenchContext, 'report'>): Promise<void> {
  const sandbox = await startSandbox({ port: 0, token: TOKEN });
  try {
    await withTempDir('rss', async (dir) => {
      await writeReceipts(join(dir, 'Scans'), count, SMALL_BYTES);
      const config = await writeConfig(dir, sandbox.url, { settleMs: 0, concurrency: CONCURRENCY });
      const child = startCli(['watch', '--once', '--config', config], join(dir, 'data'));
      let peak = 0;
      let last = 0;
      const sample = () => {
        peak = peakRss(child.pid!) ?? peak;
        last = currentRss(child.pid!) ?? last;
      };
      const timer = setInterval(sample, 100);
      try {
        await exitOf(child);
      } finally {
        clearInterval(timer);
      }
      const rate = uploadRate(sandbox, count, 'concur-drop');
      ctx.report(
        `rss: ${count} x ${SMALL_BYTES / 1024} KB through watch --once: peak ${mb(peak)}, final ${mb(last)} (${rate.toFixed(1)} files/s); ${(peak / TARGET_BYTES).toFixed(2)}× of the 200 MB target (≤ 1 passes)`,
      );
    });
  } finally {
    await sandbox.close();
  }
}

/** Resident set (VmRSS) of a live Linux process, in bytes; null when /proc cannot tell. */
function currentRss(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--files');
  await report(at > 0 ? Number(process.argv[at + 1]) : 20_000, {
    report: (line) => console.log(line),
  });
}
