import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

/**
 * A receipt's file is looked at again as its bytes go out (a scan renamed
 * over a queued one must go as the new version). On a share where each look
 * waits, a look started only once the connection was free held every upload
 * that long: the next uploads are looked at while the one before is on the wire.
 */

/** Each look at a path in the scans folder (lstat) waits this long, as on a slow share. */
const LOOK_MS = 200;
let root = '';
const realLstat = fs.lstat;

beforeAll(() => {
  fs.lstat = ((path: fs.PathLike, ...rest: unknown[]) => {
    const look = () => (realLstat as (...a: unknown[]) => void)(path, ...rest);
    if (root && String(path).startsWith(root)) setTimeout(look, LOOK_MS);
    else look();
  }) as typeof fs.lstat;
  syncBuiltinESMExports();
});
afterAll(() => {
  fs.lstat = realLstat;
  syncBuiltinESMExports();
});

let h: EngineHarness | undefined;
afterEach(async () => {
  root = '';
  await h?.close();
  h = undefined;
});

describe('sending a backlog', () => {
  it('looks at the next receipts while one is on the wire, not after', async () => {
    const count = 8;
    const before: Record<string, Buffer> = {};
    for (let i = 0; i < count; i++) before[`r${i}.jpg`] = jpeg(2000, 900 + i);
    h = await startEngineHarness({ settings: { settleMs: 0, concurrency: 1 }, before });
    root = h.root;

    await waitFor(() => h!.sandbox.received().length === count, { timeoutMs: 20_000 });
    const times = h.sandbox.received().map((r) => r.at);
    const span = Math.max(...times) - Math.min(...times);
    // A look per upload, each begun when the connection came free: (count - 1) × LOOK_MS at
    // least. Looks taken while waiting overlap the uploads before them.
    expect(span).toBeLessThan(((count - 1) * LOOK_MS) / 2);
    expect(new Set(h.sandbox.received().map((r) => r.sha256)).size).toBe(count);
  });
});
