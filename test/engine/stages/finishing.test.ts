import fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

/**
 * Finished files leave their folder a few at a time, not one by one: on a
 * share where every call waits, one-by-one moves fell behind the uploads, so a
 * backlog stood in the folder long after Concur had it all.
 */

/** Each hard link (the first half of a move) waits this long, as on a slow share. */
const LINK_MS = 150;
const links = { now: 0, most: 0 };
const realLink = fs.promises.link;

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
  syncBuiltinESMExports();
});
afterAll(() => {
  fs.promises.link = realLink;
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
});
