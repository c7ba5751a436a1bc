import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, sleep, waitFor } from '../test/helpers/temp-dir.js';

/**
 * What one finished file costs the watcher: a folder of N files watched
 * natively, each moved out to the ignored Uploaded/ folder one at a time with a
 * short pause (as an uploader finishing them). Prints the CPU and the lstat and
 * readdir calls per file. Not a test: it reports.
 *
 *   npx tsx bench/watch-removals.ts [files=2000] [pauseMs=20] [--no-count]
 *
 * `--no-count` leaves the file-system calls uncounted, for a CPU figure without the
 * counting's own cost.
 */

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = Number(args[0] ?? 2000);
const pauseMs = Number(args[1] ?? 20);
const counting = !process.argv.includes('--no-count');

const calls = { lstat: 0, stat: 0, readdir: 0 };
for (const name of counting ? (['lstat', 'stat', 'readdir'] as const) : []) {
  const real = fs.promises[name] as (...args: unknown[]) => Promise<unknown>;
  (fs.promises as Record<string, unknown>)[name] = (...args: unknown[]) => {
    calls[name]++;
    return real(...args);
  };
}
// Named imports of node:fs/promises (ours and the watcher library's) see the counting versions.
syncBuiltinESMExports();

const { RootWatcher } = await import('../main/engine/watch/watcher.js');
const { systemClock } = await import('../main/engine/ports.js');
const { isIgnoredPath } = await import('../main/engine/routing/route.js');

async function fill(root: string): Promise<void> {
  await mkdir(join(root, 'Uploaded'), { recursive: true });
  for (let i = 0; i < files; i++) await writeFile(join(root, `r${i}.pdf`), 'x');
}

/** Moves every file out, one at a time; returns the CPU ms it took. */
async function moveOut(root: string): Promise<number> {
  const cpu = process.cpuUsage();
  for (let i = 0; i < files; i++) {
    await rename(join(root, `r${i}.pdf`), join(root, 'Uploaded', `r${i}.pdf`));
    await sleep(pauseMs);
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000;
}

const { path: base, cleanup } = await makeTempDir('concur-drop-removals-');
try {
  // The same moves with nothing watching: what the loop itself costs.
  await fill(join(base, 'unwatched'));
  const baselineMs = await moveOut(join(base, 'unwatched'));
  const root = join(base, 'root');
  await fill(root);
  const watcher = new RootWatcher(root, {
    polling: false,
    clock: systemClock,
    isIgnored: isIgnoredPath,
  });
  let unlinks = 0;
  watcher.on('unlink', () => unlinks++);
  await watcher.start();
  await sleep(500);
  const before = { ...calls };
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await moveOut(root);
  await waitFor(() => unlinks >= files, { timeoutMs: 60_000 });
  await sleep(1500); // trailing re-reads
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - t0;
  await watcher.close();
  const per = (n: number) => (n / files).toFixed(1);
  const cpuMs = (used.user + used.system) / 1000 - baselineMs;
  console.log(
    `${files} files moved out one at a time (${pauseMs} ms apart): ` +
      `${(cpuMs / files).toFixed(3)} ms CPU per file for the watcher, ` +
      (counting
        ? `lstat ${per(calls.lstat - before.lstat)}, stat ${per(calls.stat - before.stat)}, ` +
          `readdir ${per(calls.readdir - before.readdir)} per file; `
        : '') +
      `${unlinks} unlink events, ${(wall / 1000).toFixed(1)} s`,
  );
} finally {
  await cleanup();
}
