import { afterEach, describe, expect, it } from 'vitest';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

/**
 * While one upload is on the wire, the next is checked and recorded as going
 * out (docs/architecture.md, "Uploads back to back"). What a user sees must not
 * change: as many "uploading" rows as connections, and a pause stops the next
 * one even though it was already recorded.
 */

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('engine: the upload next in line', () => {
  it('shows only the uploads on the wire as uploading; the one recorded next waits as queued', async () => {
    h = await startEngineHarness({ settings: { concurrency: 1 } });
    h.sandbox.inject({ delayMs: 1500 });
    await h.put('first.jpg', jpeg(2000, 11));
    await h.waitForJob('first.jpg', (j) => j.state === 'uploading');
    await h.put('second.jpg', jpeg(2000, 12));
    // The second is checked and recorded while the first is on the wire...
    await waitFor(() => h!.engine.job(h!.jobAt('second.jpg')?.id ?? '')?.attempts === 1);
    // ...and still shown as waiting its turn.
    expect(h.jobAt('first.jpg')?.state).toBe('uploading');
    expect(h.jobAt('second.jpg')?.state).toBe('queued');
    expect(h.engine.summary()).toMatchObject({ uploading: 1, queued: 1 });
    for (const n of ['first.jpg', 'second.jpg'])
      expect((await h.waitForJob(n)).state).toBe('uploaded');
    expect(h.sandbox.received()).toHaveLength(2);
  });

  it('a pause keeps the upload recorded next from going out, and it goes on resume', async () => {
    h = await startEngineHarness({ settings: { concurrency: 1 } });
    h.sandbox.inject({ delayMs: 1500 });
    await h.put('first.jpg', jpeg(2000, 21));
    await h.waitForJob('first.jpg', (j) => j.state === 'uploading');
    await h.put('second.jpg', jpeg(2000, 22));
    await waitFor(() => h!.engine.job(h!.jobAt('second.jpg')?.id ?? '')?.attempts === 1);
    h.engine.pause();

    expect((await h.waitForJob('first.jpg')).state).toBe('uploaded');
    const waiting = await h.waitForJob('second.jpg', (j) => j.state === 'paused');
    expect(waiting.detail).toBe('uploads paused');
    // Held back before a byte went: the attempt does not count.
    expect(waiting.attempts).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.sandbox.received()).toHaveLength(1);
    await h.engine.whenIdle();

    h.engine.resume();
    expect((await h.waitForJob('second.jpg')).state).toBe('uploaded');
    expect(h.sandbox.received()).toHaveLength(2);
  });
});
