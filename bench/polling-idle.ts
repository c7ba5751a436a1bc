import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { watch } from 'chokidar';
import { systemClock } from '../main/engine/ports.js';
import { isIgnoredPath } from '../main/engine/routing/route.js';
import { RootWatcher } from '../main/engine/watch/watcher.js';
import { makeTempDir, sleep } from '../test/helpers/temp-dir.js';

/**
 * What polling a network share costs at rest: 50,000 files that have not
 * changed for an hour, watched with `polling: true`, CPU measured over 20 s
 * after the initial scan. Target: under 3 % of a core. Not a test: it reports.
 *
 *   npx tsx bench/polling-idle.ts [files=50000] [folders=50] [seconds=20] [--chokidar]
 *
 * `--chokidar` measures chokidar's usePolling (one stat timer per file) the same way, for
 * comparison with what the watcher used before.
 */

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = Number(args[0] ?? 50_000);
const folders = Number(args[1] ?? 50);
const seconds = Number(args[2] ?? 20);
const viaChokidar = process.argv.includes('--chokidar');

const { path: base, cleanup } = await makeTempDir('concur-drop-poll-idle-');
try {
  const root = join(base, 'share');
  const hourAgo = new Date(Date.now() - 3600_000);
  const perFolder = Math.ceil(files / folders);
  for (let f = 0; f < folders; f++) {
    const dir = join(root, 'report', `R${f}`);
    await mkdir(dir, { recursive: true });
    for (let start = 0; start < perFolder; start += 500) {
      const writes = [];
      for (let i = start; i < start + 500 && i < perFolder && f * perFolder + i < files; i++) {
        const path = join(dir, `receipt-${i}.pdf`);
        writes.push(writeFile(path, 'x').then(() => utimes(path, hourAgo, hourAgo)));
      }
      await Promise.all(writes);
    }
  }
  let close: () => Promise<void>;
  const t0 = performance.now();
  if (viaChokidar) {
    const fsw = watch(root, { usePolling: true, interval: 1000, binaryInterval: 1000 });
    await new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
    close = () => fsw.close();
  } else {
    const watcher = new RootWatcher(root, {
      polling: true,
      clock: systemClock,
      isIgnored: isIgnoredPath,
    });
    await watcher.start();
    close = () => watcher.close();
  }
  const scanMs = performance.now() - t0;
  await sleep(2000);
  const cpu = process.cpuUsage();
  await sleep(seconds * 1000);
  const used = process.cpuUsage(cpu);
  await close();
  const share = ((used.user + used.system) / (seconds * 1e6)) * 100;
  console.log(
    `polling ${files} files in ${folders} folders at rest (${viaChokidar ? 'chokidar usePolling' : 'RootWatcher'}): ` +
      `${share.toFixed(2)} % of a core over ${seconds} s; initial scan ${(scanMs / 1000).toFixed(1)} s`,
  );
} finally {
  await cleanup();
}
