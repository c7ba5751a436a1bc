import fs from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../main/engine/ports.js';
import { isIgnoredPath } from '../../../main/engine/routing/route.js';
import { OwnRemovals } from '../../../main/engine/watch/own-removals.js';
import { RootWatcher } from '../../../main/engine/watch/watcher.js';
import { makeTempDir, sleep, waitFor } from '../../helpers/temp-dir.js';

/**
 * Finishing a scan moves it out of its folder. That must cost the watcher a
 * look-up of that one name, not a listing of the folder: with a backlog of
 * thousands, listing on every removal made the whole run quadratic.
 */

const calls = { lstat: 0, readdir: 0 };
const real = { lstat: fs.promises.lstat, readdir: fs.promises.readdir };
const realLstat = fs.lstat;

beforeAll(() => {
  // Named imports of node:fs and node:fs/promises (ours and any library's) see the counting
  // versions: the watcher looks with the callback form.
  Object.assign(fs.promises, {
    lstat: (...args: Parameters<typeof real.lstat>) => (calls.lstat++, real.lstat(...args)),
    readdir: (...args: Parameters<typeof real.readdir>) => (calls.readdir++, real.readdir(...args)),
  });
  fs.lstat = ((...args: unknown[]) => {
    calls.lstat++;
    return (realLstat as (...a: unknown[]) => void)(...args);
  }) as typeof fs.lstat;
  syncBuiltinESMExports();
});
afterAll(() => {
  Object.assign(fs.promises, real);
  fs.lstat = realLstat;
  syncBuiltinESMExports();
});

let base: string;
let cleanup: () => Promise<void>;
let watcher: RootWatcher | undefined;
beforeEach(async () => ({ path: base, cleanup } = await makeTempDir('concur-drop-cost-')));
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await cleanup();
});

describe('the watcher’s cost per finished file', () => {
  it('moving files out of a folder of 400 one at a time looks up each name once and lists nothing', async () => {
    const root = join(base, 'root');
    await mkdir(join(root, 'Uploaded'), { recursive: true });
    for (let i = 0; i < 400; i++) await writeFile(join(root, `r${i}.pdf`), 'x');
    watcher = new RootWatcher(root, {
      polling: false,
      clock: systemClock,
      isIgnored: isIgnoredPath,
    });
    const gone = new Set<string>();
    watcher.on('unlink', (rel) => gone.add(rel));
    await watcher.start();
    await sleep(300);
    calls.lstat = calls.readdir = 0;
    const moved = 100;
    for (let i = 0; i < moved; i++) {
      await rename(join(root, `r${i}.pdf`), join(root, 'Uploaded', `r${i}.pdf`));
      await sleep(15);
    }
    await waitFor(() => gone.size === moved);
    await sleep(1200); // a listing deferred by throttling would land now
    expect(calls.readdir).toBe(0);
    expect(calls.lstat / moved).toBeLessThanOrEqual(2);
  });

  it('a scan the engine moved away itself is not looked up at all, and a new scan of that name is still found', async () => {
    const root = join(base, 'root');
    await mkdir(join(root, 'Uploaded'), { recursive: true });
    for (let i = 0; i < 100; i++) await writeFile(join(root, `r${i}.pdf`), 'x');
    const removals = new OwnRemovals(systemClock);
    watcher = new RootWatcher(root, {
      polling: false,
      clock: systemClock,
      isIgnored: isIgnoredPath,
      removedByEngine: (rel) => removals.take(root, rel),
    });
    const gone = new Set<string>();
    const found: string[] = [];
    watcher.on('unlink', (rel) => gone.add(rel));
    watcher.on('file', (rel) => found.push(rel));
    await watcher.start();
    await sleep(300);
    calls.lstat = calls.readdir = 0;
    found.length = 0;
    const moved = 50;
    for (let i = 0; i < moved; i++) {
      removals.expect(root, `r${i}.pdf`);
      await rename(join(root, `r${i}.pdf`), join(root, 'Uploaded', `r${i}.pdf`));
    }
    // The scanner gives its next scan the first name again, at once.
    await writeFile(join(root, 'r0.pdf'), 'the next scan');
    await waitFor(() => gone.size === moved && found.includes('r0.pdf'));
    await sleep(300);
    expect(calls.readdir).toBe(0);
    // Only the new scan is looked at (its creation and its write may each be).
    expect(calls.lstat).toBeGreaterThan(0);
    expect(calls.lstat).toBeLessThanOrEqual(2);
  });
});
