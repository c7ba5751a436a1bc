import { appendFile, mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RootWatcherOptions } from '../../../main/engine/watch/watcher.js';
import { sleep } from '../../helpers/temp-dir.js';
import { useWatchHarness } from '../../helpers/watch-harness.js';

const h = useWatchHarness('concur-drop-poll-');

async function poll(root: string, options: Partial<RootWatcherOptions> = {}): Promise<void> {
  await h.watch(root, { polling: true, pollMs: 100, ...options }).start();
}

const seen = h.seen;

describe('polling (network shares)', () => {
  it('reports adds, writes in place, replacements, removals and new sub-folders', async () => {
    const root = join(h.base, 'share');
    await mkdir(root);
    await writeFile(join(root, 'old.pdf'), 'x');
    await poll(root);
    expect(h.events).toEqual(['add old.pdf']);

    await writeFile(join(root, 'new.pdf'), 'first');
    await seen('add new.pdf');
    // Written in place: its folder's time does not move; only the file's does.
    await appendFile(join(root, 'new.pdf'), ' and more');
    await seen('change new.pdf');
    await writeFile(join(root, 'swap.pdf.tmp'), 'replacement');
    await rename(join(root, 'swap.pdf.tmp'), join(root, 'old.pdf'));
    await seen('change old.pdf');
    await rm(join(root, 'new.pdf'));
    await seen('unlink new.pdf');
    await mkdir(join(root, 'entry', 'E1'), { recursive: true });
    await writeFile(join(root, 'entry', 'E1', 'a.jpg'), 'x');
    await writeFile(join(root, 'entry', 'E1', 'b.jpg'), 'x');
    await seen('add entry/E1/a.jpg', 'add entry/E1/b.jpg');
    await rm(join(root, 'entry'), { recursive: true });
    await seen('unlink entry/E1/a.jpg', 'unlink entry/E1/b.jpg');
    expect(h.events.filter((e) => e.includes('.tmp'))).toEqual([]);
  });

  it('stops looking at a file in place once the engine calls it settled, or once it is old', async () => {
    const root = join(h.base, 'share');
    await mkdir(root);
    await writeFile(join(root, 'old.pdf'), 'x');
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(join(root, 'old.pdf'), hourAgo, hourAgo);
    const settled = new Set<string>();
    await poll(root, { isSettled: (rel) => settled.has(rel) });
    // Arrives whole (renamed in), so no round can catch it half written.
    await writeFile(join(root, 'fresh.pdf.tmp'), 'x');
    await rename(join(root, 'fresh.pdf.tmp'), join(root, 'fresh.pdf'));
    await seen('add fresh.pdf');
    settled.add('fresh.pdf');
    await sleep(300);
    // Neither is stat'ed every round any more: an in-place write shows only on a listing.
    await appendFile(join(root, 'fresh.pdf'), 'more');
    await appendFile(join(root, 'old.pdf'), 'more');
    await sleep(500);
    expect(h.events).toEqual(['add old.pdf', 'add fresh.pdf']);
  });
});
