import { createHash } from 'node:crypto';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jpeg, pdf } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { sleep } from '../../helpers/temp-dir.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Writes `bytes` in `chunks` pieces, pausing `gapMs` between them (longer than settleMs). */
async function slowWrite(
  path: string,
  bytes: Buffer,
  chunks: number,
  gapMs: number,
): Promise<void> {
  const size = Math.ceil(bytes.length / chunks);
  await writeFile(path, bytes.subarray(0, size));
  for (let at = size; at < bytes.length; at += size) {
    await sleep(gapMs);
    await appendFile(path, bytes.subarray(at, at + size));
  }
}

describe('engine: readiness', () => {
  it('uploads a JPEG and a PDF written slowly over ~3 s exactly once, byte-identical', async () => {
    h = await startEngineHarness();
    const photo = jpeg(200_000, 9);
    const doc = await pdf({ pages: 2, bytes: 250_000 });
    // Pauses of 300 ms are longer than settleMs (200): only the structure check keeps them waiting.
    await Promise.all([
      slowWrite(join(h.root, 'slow.jpg'), photo, 10, 300),
      slowWrite(join(h.root, 'slow.pdf'), doc, 10, 300),
    ]);
    const a = await h.waitForJob('slow.jpg');
    const b = await h.waitForJob('slow.pdf');
    expect([a.state, b.state]).toEqual(['uploaded', 'uploaded']);
    const received = h.sandbox.received();
    expect(received).toHaveLength(2);
    expect(received.map((r) => r.sha256).sort()).toEqual([sha(photo), sha(doc)].sort());
    expect(h.sandbox.requests()).toBe(2);
    // While it was incomplete the user saw why it waited.
    expect(
      h.jobEvents.some((j) => j.name === 'slow.pdf' && j.detail === 'waiting for the scanner'),
    ).toBe(true);
  });

  it('fails a scan the scanner never finished once maxWaitMs has passed, with that reason', async () => {
    h = await startEngineHarness({ settings: { maxWaitMs: 1000 } });
    const full = jpeg(5000, 3);
    await h.put('stuck.jpg', full.subarray(0, 3000));
    const job = await h.waitForJob('stuck.jpg');
    expect(job.state).toBe('failed');
    expect(job.error?.reason).toMatch(/scanner.*incomplete/);
    expect(h.sandbox.requests()).toBe(0);
  });

  it('checks a queued file again when it is replaced before its upload, and records what was sent', async () => {
    h = await startEngineHarness({ settings: { concurrency: 1 } });
    h.sandbox.inject({ delayMs: 1500 }); // holds the first upload, so the second waits in the queue
    await h.put('first.jpg', jpeg(2000, 1));
    await h.waitForJob('first.jpg', (j) => j.state === 'uploading');
    const original = jpeg(2000, 2);
    const replacement = jpeg(2600, 3);
    await h.put('scan.jpg', original);
    await h.waitForJob('scan.jpg', (j) => j.state === 'queued');
    // The scanner writes a new scan under the same name: a temp file renamed over it.
    await writeFile(join(h.root, 'scan.tmp'), replacement);
    await rename(join(h.root, 'scan.tmp'), join(h.root, 'scan.jpg'));
    const job = await h.waitForJob('scan.jpg');
    expect(job.state).toBe('uploaded');
    const sent = h.sandbox.received().map((r) => r.sha256);
    expect(sent).toContain(sha(replacement));
    expect(job.sha256).toBe(sha(replacement));
    // The first scan never reached Concur: dropped again, it is uploaded, not a "duplicate".
    await h.put('again.jpg', original);
    expect((await h.waitForJob('again.jpg')).state).toBe('uploaded');
    expect(h.sandbox.received().map((r) => r.sha256)).toContain(sha(original));
  });
});
