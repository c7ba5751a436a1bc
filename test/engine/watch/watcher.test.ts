import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../main/engine/ports.js';
import { isIgnoredPath } from '../../../main/engine/routing/route.js';
import { isUncPath, RootWatcher } from '../../../main/engine/watch/watcher.js';
import { makeTempDir, waitFor } from '../../helpers/temp-dir.js';

let base: string;
let cleanup: () => Promise<void>;
let watcher: RootWatcher | undefined;
let events: string[];

beforeEach(async () => {
  ({ path: base, cleanup } = await makeTempDir('concur-drop-watch-'));
  events = [];
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await cleanup();
});

function watch(root: string, polling = false): RootWatcher {
  watcher = new RootWatcher(root, {
    polling,
    clock: systemClock,
    isIgnored: isIgnoredPath,
    recheckMs: 150,
  });
  watcher.on('file', (rel, ev) => events.push(`${ev} ${rel}`));
  watcher.on('unlink', (rel) => events.push(`unlink ${rel}`));
  watcher.on('not-a-file', (rel) => events.push(`not-a-file ${rel}`));
  watcher.on('unavailable', () => events.push('unavailable'));
  watcher.on('available', () => events.push('available'));
  return watcher;
}

describe('root watcher', () => {
  it('reports files present at start, new files in subfolders, and skips Uploaded/, Failed/, dot and temp names', async () => {
    const root = join(base, 'root');
    await mkdir(join(root, 'Uploaded'), { recursive: true });
    await writeFile(join(root, 'present.pdf'), 'x');
    await writeFile(join(root, 'Uploaded', 'done.pdf'), 'x');
    await watch(root).start();
    expect(watcher!.ready).toBe(true);
    await mkdir(join(root, 'entry', 'E1'), { recursive: true });
    await writeFile(join(root, 'entry', 'E1', 'new.jpg'), 'x');
    await mkdir(join(root, 'Failed'), { recursive: true });
    await writeFile(join(root, 'Failed', 'bad.pdf'), 'x');
    await writeFile(join(root, '.hidden.pdf'), 'x');
    await writeFile(join(root, 'scan.pdf.tmp'), 'x');
    await rename(join(root, 'scan.pdf.tmp'), join(root, 'scan.pdf'));
    await waitFor(() => events.includes('add entry/E1/new.jpg') && events.includes('add scan.pdf'));
    expect(events).toContain('add present.pdf');
    expect(events.join('\n')).not.toMatch(/Uploaded|Failed|hidden|\.tmp/);
  });

  it('reports a root that vanishes and re-arms with a catch-up scan when it is back', async () => {
    const root = join(base, 'share');
    await mkdir(root);
    await watch(root).start();
    await rm(root, { recursive: true });
    await waitFor(() => events.includes('unavailable'));
    expect(watcher!.available).toBe(false);
    await mkdir(root);
    await writeFile(join(root, 'arrived.pdf'), 'x');
    await waitFor(() => events.includes('available') && events.includes('add arrived.pdf'));
    expect(watcher!.available).toBe(true);
  });

  it('polls on request (network shares) and still sees new files', async () => {
    const root = join(base, 'polled');
    await mkdir(root);
    await watch(root, true).start();
    expect(watcher!.polling).toBe(true);
    await writeFile(join(root, 'p.pdf'), 'x');
    await waitFor(() => events.includes('add p.pdf'), { timeoutMs: 10_000 });
  });

  it('recognises UNC paths, which are always polled', () => {
    expect(isUncPath('\\\\server\\scans')).toBe(true);
    expect(isUncPath('//server/scans')).toBe(true);
    expect(isUncPath('C:\\Scans')).toBe(false);
    expect(isUncPath('/home/me/Scans')).toBe(false);
    expect(
      new RootWatcher('\\\\srv\\share', {
        polling: false,
        clock: systemClock,
        isIgnored: () => false,
      }).polling,
    ).toBe(true);
  });
});
