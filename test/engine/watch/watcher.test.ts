import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../main/engine/ports.js';
import { isUncPath, RootWatcher } from '../../../main/engine/watch/watcher.js';
import { waitFor } from '../../helpers/temp-dir.js';
import { useWatchHarness } from '../../helpers/watch-harness.js';

const h = useWatchHarness('concur-drop-watch-');

function watch(root: string, polling = false): RootWatcher {
  return h.watch(root, { polling, recheckMs: 150 });
}

describe('root watcher', () => {
  it('reports files present at start, new files in subfolders, and skips Uploaded/, Failed/, dot and temp names', async () => {
    const root = join(h.base, 'root');
    await mkdir(join(root, 'Uploaded'), { recursive: true });
    await writeFile(join(root, 'present.pdf'), 'x');
    await writeFile(join(root, 'Uploaded', 'done.pdf'), 'x');
    await watch(root).start();
    expect(h.watcher!.ready).toBe(true);
    await mkdir(join(root, 'entry', 'E1'), { recursive: true });
    await writeFile(join(root, 'entry', 'E1', 'new.jpg'), 'x');
    await mkdir(join(root, 'Failed'), { recursive: true });
    await writeFile(join(root, 'Failed', 'bad.pdf'), 'x');
    await writeFile(join(root, '.hidden.pdf'), 'x');
    await writeFile(join(root, 'scan.pdf.tmp'), 'x');
    await rename(join(root, 'scan.pdf.tmp'), join(root, 'scan.pdf'));
    await waitFor(
      () => h.events.includes('add entry/E1/new.jpg') && h.events.includes('add scan.pdf'),
    );
    expect(h.events).toContain('add present.pdf');
    expect(h.events.join('\n')).not.toMatch(/Uploaded|Failed|hidden|\.tmp/);
  });

  it('reports a root that vanishes and re-arms with a catch-up scan when it is back', async () => {
    const root = join(h.base, 'share');
    await mkdir(root);
    await watch(root).start();
    await rm(root, { recursive: true });
    await waitFor(() => h.events.includes('unavailable'));
    expect(h.watcher!.available).toBe(false);
    await mkdir(root);
    await writeFile(join(root, 'arrived.pdf'), 'x');
    await waitFor(() => h.events.includes('available') && h.events.includes('add arrived.pdf'));
    expect(h.watcher!.available).toBe(true);
  });

  it('polls on request (network shares) and still sees new files', async () => {
    const root = join(h.base, 'polled');
    await mkdir(root);
    await watch(root, true).start();
    expect(h.watcher!.polling).toBe(true);
    await writeFile(join(root, 'p.pdf'), 'x');
    await waitFor(() => h.events.includes('add p.pdf'), { timeoutMs: 10_000 });
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
