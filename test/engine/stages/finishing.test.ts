import fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';
import { createHash } from 'node:crypto';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Finished files leave their folder a few at a time, not one by one: on a
 * share where every call waits, one-by-one moves fell behind the uploads, so a
 * backlog stood in the folder long after Concur had it all.
 */

/** Each hard link (the first half of a move) waits this long, as on a slow share. */
const LINK_MS = 150;
const links = { now: 0, most: 0 };
const realLink = fs.promises.link;
const realLstat = fs.lstat;
/** Paths the engine looked for and did not find. */
const missing: string[] = [];

beforeAll(() => {
  fs.promises.link = async (...args: Parameters<typeof realLink>) => {
    links.most = Math.max(links.most, ++links.now);
    try {
      await new Promise((resolve) => setTimeout(resolve, LINK_MS));
      return await realLink(...args);
    } finally {
      links.now--;
    }
  };
  fs.lstat = ((path: fs.PathLike, ...rest: unknown[]) => {
    const callback = rest.pop() as (error: NodeJS.ErrnoException | null, st?: fs.Stats) => void;
    (realLstat as (...a: unknown[]) => void)(
      path,
      ...rest,
      (error: NodeJS.ErrnoException | null, st?: fs.Stats) => {
        if (error?.code === 'ENOENT') missing.push(String(path));
        callback(error, st);
      },
    );
  }) as typeof fs.lstat;
  syncBuiltinESMExports();
});
afterAll(() => {
  fs.promises.link = realLink;
  fs.lstat = realLstat;
  syncBuiltinESMExports();
});

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('finishing a backlog', () => {
  it('moves several finished files at once, and at most four', async () => {
    const count = 16;
    const before: Record<string, Buffer> = {};
    for (let i = 0; i < count; i++) before[`r${i}.jpg`] = jpeg(2000, 700 + i);
    h = await startEngineHarness({ settings: { settleMs: 0, concurrency: 4 }, before });

    const moved = () => readdir(join(h!.root, 'Uploaded')).catch(() => [] as string[]);
    await waitFor(async () => (await moved()).length === count, { timeoutMs: 20_000 });

    expect((await moved()).sort()).toEqual(Object.keys(before).sort());
    expect(await readdir(h.root)).toEqual(['Uploaded']);
    expect(h.sandbox.received()).toHaveLength(count);
    // One by one, 16 moves would take 16 × 150 ms; side by side, a quarter of that.
    expect(links.most).toBeGreaterThan(1);
    expect(links.most).toBeLessThanOrEqual(4);
  });

  it('does not look for a scan it moved away, and takes the next scan of that name as new', async () => {
    h = await startEngineHarness({ settings: { settleMs: 0 } });
    const first = jpeg(2000, 801);
    const next = jpeg(2000, 802);
    await h.put('scan.jpg', first);
    const uploaded = join(h.root, 'Uploaded', 'scan.jpg');
    await waitFor(() => fs.existsSync(uploaded), { timeoutMs: 10_000 });
    // The scanner names its next scan the same, at once.
    await h.put('scan.jpg', next);
    await waitFor(() => h!.sandbox.received().length === 2, { timeoutMs: 10_000 });
    await waitFor(() => fs.existsSync(join(h!.root, 'Uploaded', 'scan (2).jpg')));

    expect(h.sandbox.received().map((r) => r.sha256)).toEqual([sha(first), sha(next)]);
    expect(missing.filter((p) => p === join(h!.root, 'scan.jpg'))).toEqual([]);
  });
});
