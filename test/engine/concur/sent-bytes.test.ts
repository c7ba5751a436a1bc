import { createHash } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { truncate } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { jpeg } from '../../fixtures/scans.js';
import { TOKEN, useSandboxClient } from './client-harness.js';

const h = useSandboxClient();
const { client, scan } = h;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const inspected = (b: Buffer) => ({ size: b.length, sha256: sha256(b) });

/** Several hundred KB per chunk: a 6 MB scan goes out in many pieces. */
const SIZE = 6 * 1024 * 1024;

describe('sending only the version of the scan that was inspected', () => {
  it('sends the scan when it is still the inspected version', async () => {
    const bytes = jpeg(SIZE, 1);
    const outcome = await client().uploadImage({ kind: 'receipt' }, await scan('same.jpg', bytes), {
      expect: inspected(bytes),
    });
    expect(outcome.kind).toBe('uploaded');
    expect(h.sandbox.received()).toMatchObject([{ size: bytes.length, sha256: sha256(bytes) }]);
  });

  it('stops before the last bytes when the scanner overwrites the file in place mid-upload', async () => {
    const first = jpeg(SIZE, 2);
    const path = await scan('overwritten.jpg', first);
    let overwritten = false;
    const outcome = await client().uploadImage({ kind: 'receipt' }, path, {
      expect: inspected(first),
      onProgress: (fraction) => {
        if (overwritten || fraction <= 0 || fraction >= 0.5) return;
        // Synchronous, so the rest of the file is read from the new version.
        writeFileSync(path, jpeg(SIZE, 3));
        overwritten = true;
      },
    });
    expect(overwritten).toBe(true);
    expect(outcome).toEqual({ kind: 'changed', message: expect.stringMatching(/changed/) });
    // The request reached Concur, but its body never completed, so no image exists.
    expect(h.sandbox.requests()).toBe(1);
    expect(h.sandbox.received()).toEqual([]);
  });

  it('stops when the file grows or shrinks after it was inspected', async () => {
    const bytes = jpeg(SIZE, 4);
    const growing = await scan('growing.jpg', bytes);
    let grew = false;
    const longer = await client().uploadImage({ kind: 'receipt' }, growing, {
      expect: inspected(bytes),
      onProgress: () => {
        if (grew) return;
        appendFileSync(growing, Buffer.alloc(1000, 7));
        grew = true;
      },
    });
    expect(longer).toMatchObject({ kind: 'changed' });

    const shrinking = await scan('shrinking.jpg', bytes);
    const c = client({
      getToken: async () => {
        await truncate(shrinking, 100_000); // after the file was opened and measured
        return TOKEN;
      },
    });
    expect(
      await c.uploadImage({ kind: 'receipt' }, shrinking, { expect: inspected(bytes) }),
    ).toMatchObject({ kind: 'changed' });
    expect(h.sandbox.received()).toEqual([]);
  });

  it('sends nothing at all when the file is no longer the inspected size', async () => {
    const bytes = jpeg(50_000, 5);
    const path = await scan('replaced.jpg', jpeg(60_000, 6));
    const outcome = await client().uploadImage({ kind: 'receipt' }, path, {
      expect: inspected(bytes),
    });
    expect(outcome).toMatchObject({ kind: 'changed' });
    expect(h.sandbox.requests()).toBe(0);
  });
});

describe('sending a receipt from the bytes inspection read', () => {
  it('sends the bytes it is given and does not open the file again', async () => {
    const bytes = jpeg(50_000, 7);
    // Nothing at the path: had the client opened it, the upload would be refused.
    const outcome = await client().uploadImage({ kind: 'receipt' }, `${h.dir}/moved-away.jpg`, {
      expect: inspected(bytes),
      held: { bytes },
    });
    expect(outcome.kind).toBe('uploaded');
    expect(h.sandbox.received()).toMatchObject([{ size: bytes.length, sha256: sha256(bytes) }]);
  });

  it('cuts the request before its body completes when the file is no longer that version', async () => {
    const bytes = jpeg(50_000, 9);
    let asked = 0;
    const outcome = await client().uploadImage({ kind: 'receipt' }, `${h.dir}/renamed-over.jpg`, {
      expect: inspected(bytes),
      held: { bytes, confirm: async () => (asked++, false) },
    });
    expect(asked).toBe(1);
    expect(outcome).toMatchObject({ kind: 'changed' });
    // The request went out while the file was looked at, but Concur never got a whole body.
    expect(h.sandbox.received()).toEqual([]);
  });

  it('refuses held bytes Concur would not take, naming the file, and sends nothing', async () => {
    const text = Buffer.from('not a scan at all\n'.repeat(100));
    const outcome = await client().uploadImage({ kind: 'receipt' }, `${h.dir}/notes.jpg`, {
      held: { bytes: text },
    });
    expect(outcome).toMatchObject({
      kind: 'rejected',
      message: expect.stringMatching(/notes\.jpg/),
    });
    const wrongSize = await client().uploadImage({ kind: 'receipt' }, `${h.dir}/a.jpg`, {
      expect: { size: 10, sha256: sha256(text) },
      held: { bytes: jpeg(5000, 8) },
    });
    expect(wrongSize).toMatchObject({ kind: 'changed' });
    expect(h.sandbox.requests()).toBe(0);
  });
});
