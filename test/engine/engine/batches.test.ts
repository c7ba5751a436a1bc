import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createConcurClient } from '../../../main/engine/concur/concur-client.js';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { english } from '../../../main/engine/i18n/translate.js';
import { jobLine } from '../../../main/cli/output.js';
import { jpeg, pdf, png } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('engine: one image per entry or invoice', () => {
  it('merges three images dropped together for an entry into one three-page PDF, and fails a fourth later', async () => {
    h = await startEngineHarness();
    const dir = 'entry/Taxi [ENT42]';
    await h.put(`${dir}/scan_10.jpg`, jpeg(3000, 1));
    await h.put(`${dir}/scan_2.png`, png(40, 30));
    await h.put(`${dir}/scan_1.jpg`, jpeg(3100, 2));

    const jobs = await Promise.all(
      ['scan_1.jpg', 'scan_2.png', 'scan_10.jpg'].map((n) => h!.waitForJob(`${dir}/${n}`)),
    );
    expect(jobs.map((j) => j.state)).toEqual(['uploaded', 'uploaded', 'uploaded']);
    const received = h.sandbox.received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      kind: 'entry',
      id: 'ENT42',
      contentType: 'application/pdf',
      pdfPages: 3,
    });
    // Every member carries the one image id and the same batch id.
    expect(new Set(jobs.map((j) => j.imageId))).toEqual(new Set([received[0].imageId]));
    expect(new Set(jobs.map((j) => j.batchId)).size).toBe(1);
    expect(jobs[0].batchId).toBeTruthy();
    // One PDF, three files: each says so, not three separate "uploaded".
    expect(jobs.map((j) => j.batchSize)).toEqual([3, 3, 3]);
    expect(jobLine(jobs[0], english)).toContain('(3 scans merged into one PDF; image ');
    await h.engine.whenIdle();
    expect((await readdir(join(h.root, 'Uploaded', 'entry', 'Taxi [ENT42]'))).sort()).toEqual([
      'scan_1.jpg',
      'scan_10.jpg',
      'scan_2.png',
    ]);
    // The merged PDF was staged in the data dir, never in the watched folder, and is gone after.
    expect(await readdir(join(h.dataDir, 'staging'))).toEqual([]);

    await h.put(`${dir}/late.pdf`, await pdf({ text: 'late' }));
    const late = await h.waitForJob(`${dir}/late.pdf`);
    expect(late.state).toBe('failed');
    expect(late.error?.reason).toBe(
      'Entry Taxi [ENT42] already has an image in Concur; Concur allows one image per entry.',
    );
    await h.engine.whenIdle();
    expect(existsSync(join(h.root, 'Failed', 'entry', 'Taxi [ENT42]', 'late.pdf'))).toBe(true);
    expect(h.sandbox.received()).toHaveLength(1);
  });

  it('uploads a single file for an invoice as it is, without merging', async () => {
    h = await startEngineHarness();
    await h.put('invoice/INV9/bill.jpg', jpeg(4000, 3));
    expect((await h.waitForJob('invoice/INV9/bill.jpg')).state).toBe('uploaded');
    expect(h.sandbox.received()[0]).toMatchObject({
      kind: 'invoice',
      id: 'INV9',
      contentType: 'image/jpeg',
    });
  });

  it('fails every member of a batch whose merged PDF would pass 10 MB, sending nothing', async () => {
    // Shrinking off: with it on, the merged PDF is shrunk (test/engine/engine/scan-formats.test.ts).
    h = await startEngineHarness({ settings: { shrink: false } });
    await h.put('entry/BIG1/a.jpg', jpeg(6 * 1024 * 1024, 1));
    await h.put('entry/BIG1/b.jpg', jpeg(6 * 1024 * 1024, 2));
    for (const n of ['a.jpg', 'b.jpg']) {
      const job = await h.waitForJob(`entry/BIG1/${n}`);
      expect(job.state).toBe('failed');
      expect(job.error?.reason).toMatch(
        /make a 1\d\.\d MB PDF; Concur accepts at most 10 MB per entry/,
      );
    }
    expect(h.sandbox.requests()).toBe(0);
  });

  it('fails a file for an entry that Concur says already has an image (attached by someone else)', async () => {
    h = await startEngineHarness();
    const other = join(h.dataDir, '..', 'other.jpg');
    await writeFile(other, jpeg(1500, 1));
    const client = createConcurClient({
      baseUrl: h.sandbox.url,
      authScheme: 'OAuth',
      getToken: async () => h!.sandbox.token,
    });
    expect((await client.uploadImage({ kind: 'entry', id: 'TAKEN' }, other)).kind).toBe('uploaded');

    await h.put('entry/TAKEN/second.jpg', jpeg(1700, 3));
    const second = await h.waitForJob('entry/TAKEN/second.jpg');
    expect(second.state).toBe('failed');
    expect(second.error?.reason).toBe(
      'Entry TAKEN already has an image in Concur; Concur allows one image per entry.',
    );
    expect(second.error?.status).toBe(400);
    expect(second.error?.message).toBeTruthy();
  });

  it('merges again when a member is edited after the merge but before the upload, sending only the new content', async () => {
    const dir = 'entry/Hotel [ENT77]';
    h = await startEngineHarness({
      noStart: true,
      before: { [`${dir}/a.jpg`]: jpeg(3000, 1), [`${dir}/b.jpg`]: jpeg(3200, 2) },
    });
    await h.engine.start();
    h.engine.pause(); // the merged batch waits in the queue
    await waitFor(() =>
      [`${dir}/a.jpg`, `${dir}/b.jpg`].every((p) => h!.jobAt(p)?.state === 'paused'),
    );
    const firstBatch = h.jobAt(`${dir}/b.jpg`)!.batchId;
    expect(firstBatch).toBeTruthy();

    // b.jpg is replaced by a three-page PDF after it was merged as a one-page image.
    const edited = await pdf({ pages: 3, text: 'edited' });
    await h.put(`${dir}/b.jpg`, edited);
    h.engine.resume();

    const jobs = await Promise.all([`${dir}/a.jpg`, `${dir}/b.jpg`].map((p) => h!.waitForJob(p)));
    expect(jobs.map((j) => j.state)).toEqual(['uploaded', 'uploaded']);
    const received = h.sandbox.received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'entry', id: 'ENT77', pdfPages: 4 });
    expect(jobs[1].sha256).toBe(createHash('sha256').update(edited).digest('hex'));
    expect(jobs[1].batchId).not.toBe(firstBatch);
    expect(h.jobEvents.some((j) => /changed before its upload/.test(j.detail ?? ''))).toBe(true);
    await h.engine.whenIdle();
    expect(await readFile(join(h.root, 'Uploaded', 'entry', 'Hotel [ENT77]', 'b.jpg'))).toEqual(
      edited,
    );
    expect(await readdir(join(h.dataDir, 'staging'))).toEqual([]);
  });
});
