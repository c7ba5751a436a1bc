import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrepareRequest } from '../../../main/engine/prepare/prepare-types.js';
import { PrepareCancelled, prepareInWorker } from '../../../main/engine/prepare/run-in-worker.js';
import { photoPng, receipt, tiff } from '../../fixtures/scan-formats.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** The preparing worker: answers off the event loop, and stops at once when cancelled. */

let tmp: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('concur-drop-worker-');
});
afterAll(() => tmp.cleanup());

function request(path: string, from: PrepareRequest['from']): PrepareRequest {
  return {
    path,
    from,
    outDir: tmp.path,
    outStem: `out-${Math.random().toString(36).slice(2)}`,
    maxBytes: 10 * 1024 * 1024,
    shrink: true,
    mayAppendParts: false,
    split: 'none',
    blankPages: 'keep',
    maxPixels: 400_000_000,
  };
}

describe('preparing in a worker thread', () => {
  it('converts a TIFF in the worker while the event loop stays free', async () => {
    const path = join(tmp.path, 'fax.tif');
    await writeFile(path, await tiff([await receipt(1), await receipt(2)], { g4: true }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const result = await prepareInWorker(request(path, 'image/tiff'));
    clearInterval(timer);
    expect(result).toMatchObject({ ok: true, note: 'converted from TIFF (2 pages)' });
    expect(ticks).toBeGreaterThan(0);
  });

  it('stops at once when cancelled (the file changed, the app quits)', async () => {
    const path = join(tmp.path, 'photo.png');
    await writeFile(path, await photoPng(14));
    const controller = new AbortController();
    const started = Date.now();
    const work = prepareInWorker(request(path, 'image/png'), controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(work).rejects.toBeInstanceOf(PrepareCancelled);
    expect(Date.now() - started).toBeLessThan(1500);
    // A cancelled worker is not reused: the next file gets a fresh one and succeeds.
    expect((await prepareInWorker(request(path, 'image/png'))).ok).toBe(true);
  });
});
