import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requestRetry } from '../../../main/engine/retry-request.js';
import { encryptedPdf, jpeg, pdf } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DIR = 'entry/Taxi [ENT42]';

/** Three scans for one entry, the second password protected; resolves once the rest waits for it. */
async function batchWithOneBad(harness: EngineHarness): Promise<void> {
  await harness.put(`${DIR}/scan_1.jpg`, jpeg(3000, 1));
  await harness.put(`${DIR}/scan_2.pdf`, await encryptedPdf());
  await harness.put(`${DIR}/scan_3.jpg`, jpeg(3100, 2));
  const bad = await harness.waitForJob(`${DIR}/scan_2.pdf`);
  expect(bad).toMatchObject({ state: 'failed', holdsBatch: true });
  for (const name of ['scan_1.jpg', 'scan_3.jpg'])
    await harness.waitForJob(
      `${DIR}/${name}`,
      (j) => j.detail === 'waiting for scan_2.pdf (password protected)',
    );
}

describe('engine: an entry batch with one bad file waits for it', () => {
  it('sends nothing while one file failed its check, and sends all three once the fixed file is dropped', async () => {
    h = await startEngineHarness();
    await batchWithOneBad(h);
    // Long past the merge window: still nothing sent, and `watch --once` could end (nothing moves by itself).
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.sandbox.received()).toHaveLength(0);
    await h.engine.whenIdle();
    expect(h.jobAt(`${DIR}/scan_1.jpg`)?.state).toBe('waiting');
    const failedCopy = join(h.root, 'Failed', DIR, 'scan_2.pdf');
    expect(existsSync(`${failedCopy}.error.txt`)).toBe(true);
    expect(h.engine.summary().failed).toBe(1);

    // The user takes the scan out of Failed/, fixes it and drops it back.
    await rm(failedCopy);
    await h.put(`${DIR}/scan_2.pdf`, await pdf({ text: 'the fixed scan' }));
    await waitFor(() => h!.sandbox.received().length === 1);
    expect(h.sandbox.received()[0]).toMatchObject({ kind: 'entry', id: 'ENT42', pdfPages: 3 });
    const jobs = await Promise.all(
      ['scan_1.jpg', 'scan_2.pdf', 'scan_3.jpg'].map((n) => h!.waitForJob(`${DIR}/${n}`)),
    );
    expect(jobs.map((j) => j.state)).toEqual(['uploaded', 'uploaded', 'uploaded']);
    await h.engine.whenIdle();
    // The old failure is over: out of the counts and the list, its .error.txt gone.
    await waitFor(() => h!.engine.summary().failed === 0);
    expect(h.engine.jobs('failed')).toEqual([]);
    expect(existsSync(`${failedCopy}.error.txt`)).toBe(false);
  });

  it('sends the rest without it when asked ("Upload without it"), and the failure stays', async () => {
    h = await startEngineHarness();
    await batchWithOneBad(h);
    const bad = h.jobAt(`${DIR}/scan_2.pdf`)!;
    expect(await h.engine.sendWithout(bad.id)).toBe(true);
    await waitFor(() => h!.sandbox.received().length === 1);
    expect(h.sandbox.received()[0]).toMatchObject({ kind: 'entry', id: 'ENT42', pdfPages: 2 });
    expect((await h.waitForJob(`${DIR}/scan_3.jpg`)).state).toBe('uploaded');
    expect(h.engine.job(bad.id)).toMatchObject({ state: 'failed' });
    expect(h.engine.job(bad.id)?.holdsBatch).toBeUndefined();
    expect(h.engine.summary().failed).toBe(1);
    // Only a file that fails its check holds a batch.
    expect(await h.engine.sendWithout(h.jobAt(`${DIR}/scan_1.jpg`)!.id)).toBe(false);
  });

  it('`concur-drop retry --force` sends the rest without it, as the app\'s "Upload without it"', async () => {
    h = await startEngineHarness({ engine: { requestsMs: 100 } });
    await batchWithOneBad(h);
    const result = await requestRetry(h.dataDir, 'all', { force: true });
    expect(result.queued).toEqual([h.jobAt(`${DIR}/scan_2.pdf`)!.id]);
    await waitFor(() => h!.sandbox.received().length === 1);
    expect(h.sandbox.received()[0]).toMatchObject({ kind: 'entry', id: 'ENT42', pdfPages: 2 });
  });

  it('holds nothing once the entry has its image: later files fail with that reason', async () => {
    h = await startEngineHarness();
    await h.put(`${DIR}/scan_1.jpg`, jpeg(3000, 1));
    expect((await h.waitForJob(`${DIR}/scan_1.jpg`)).state).toBe('uploaded');
    await h.put(`${DIR}/scan_2.pdf`, await encryptedPdf());
    await h.put(`${DIR}/scan_3.jpg`, jpeg(3100, 2));
    expect((await h.waitForJob(`${DIR}/scan_2.pdf`)).holdsBatch).toBeUndefined();
    expect((await h.waitForJob(`${DIR}/scan_3.jpg`)).error?.code).toBe('already-has-image');
  });

  it('still waits after a restart', async () => {
    h = await startEngineHarness();
    await batchWithOneBad(h);
    await h.restart();
    await h.waitForJob(
      `${DIR}/scan_3.jpg`,
      (j) => j.detail === 'waiting for scan_2.pdf (password protected)',
    );
    await h.engine.whenIdle();
    expect(h.sandbox.received()).toHaveLength(0);
  });
});

describe('engine: Retry only where it can help', () => {
  it('"Retry all failed" leaves a file that would fail the same way again', async () => {
    h = await startEngineHarness();
    await h.put('empty.pdf', Buffer.alloc(0));
    expect((await h.waitForJob('empty.pdf')).error).toMatchObject({ retryable: false });
    await h.engine.whenIdle();
    expect(await h.engine.retryAllFailed()).toBe(0);
    expect(h.jobAt('empty.pdf')?.state).toBe('failed');
  });

  it('a file taken out of Failed/, fixed and dropped again replaces its old failure', async () => {
    h = await startEngineHarness();
    await h.put('receipt.pdf', Buffer.alloc(0));
    expect((await h.waitForJob('receipt.pdf')).state).toBe('failed');
    await h.engine.whenIdle();
    const errorFile = join(h.root, 'Failed', 'receipt.pdf.error.txt');
    expect(existsSync(errorFile)).toBe(true);
    await rename(join(h.root, 'Failed', 'receipt.pdf'), join(h.root, 'receipt.pdf'));
    await h.put('receipt.pdf', await pdf({ text: 'fixed' }));
    await h.waitForJob('receipt.pdf', (j) => j.state === 'uploaded');
    await h.engine.whenIdle();
    await waitFor(() => h!.engine.summary().failed === 0);
    expect(h.engine.jobs('all').map((j) => j.state)).toEqual(['uploaded']);
    expect(existsSync(errorFile)).toBe(false);
    // After a restart too, the counts come from the ledger.
    await h.restart();
    expect(h.engine.summary()).toMatchObject({ failed: 0, uploaded: 1 });
  });

  it('another file of the same name (a scanner reusing names) leaves the failure as it is', async () => {
    h = await startEngineHarness();
    await h.put('scan_0001.pdf', Buffer.alloc(0));
    expect((await h.waitForJob('scan_0001.pdf')).state).toBe('failed');
    await h.engine.whenIdle();
    await h.put('scan_0001.pdf', await pdf({ text: 'the next receipt' }));
    await h.waitForJob('scan_0001.pdf', (j) => j.state === 'uploaded');
    await h.engine.whenIdle();
    expect(h.engine.summary()).toMatchObject({ failed: 1, uploaded: 1 });
    expect(existsSync(join(h.root, 'Failed', 'scan_0001.pdf.error.txt'))).toBe(true);
  });
});

describe('engine: an entry batch that gave up after its tries', () => {
  it('is tried again with a scan for the same entry that comes later, and all go as one image', async () => {
    h = await startEngineHarness({ engine: { retry: { baseMs: 5, maxMs: 20, tries: 2 } } });
    h.sandbox.inject({ status: 502 }, { status: 502 });
    await h.put(`${DIR}/scan_1.jpg`, jpeg(3000, 1));
    await h.put(`${DIR}/scan_2.jpg`, jpeg(3100, 2));
    const gaveUp: string[] = [];
    for (const name of ['scan_1.jpg', 'scan_2.jpg']) {
      const job = await h.waitForJob(`${DIR}/${name}`);
      expect(job).toMatchObject({ state: 'failed', error: { retryable: true } });
      gaveUp.push(job.id);
    }
    expect(h.sandbox.received()).toHaveLength(0);

    // Concur works again; a third receipt for the taxi ride is scanned.
    await h.put(`${DIR}/scan_3.jpg`, jpeg(3200, 3));
    await waitFor(() => h!.sandbox.received().length === 1);
    expect(h.sandbox.received()[0]).toMatchObject({ kind: 'entry', id: 'ENT42', pdfPages: 3 });
    // Each ends uploaded (waitForJob times out otherwise), the two that gave up as themselves.
    const uploaded = [];
    for (const name of ['scan_1.jpg', 'scan_2.jpg', 'scan_3.jpg'])
      uploaded.push(await h.waitForJob(`${DIR}/${name}`, (j) => j.state === 'uploaded'));
    expect(uploaded.slice(0, 2).map((j) => j.id)).toEqual(gaveUp);
    await h.engine.whenIdle();
    expect(h.sandbox.received()).toHaveLength(1);
  });

  it('gives up with them when Concur still fails, and a still later scan brings all of them again', async () => {
    h = await startEngineHarness({ engine: { retry: { baseMs: 5, maxMs: 20, tries: 2 } } });
    h.sandbox.inject({ status: 502 }, { status: 502 }, { status: 503 }, { status: 503 });
    await h.put(`${DIR}/scan_1.jpg`, jpeg(3000, 1));
    await h.waitForJob(`${DIR}/scan_1.jpg`, (j) => j.state === 'failed');
    await h.put(`${DIR}/scan_2.jpg`, jpeg(3100, 2));
    // Tried again with scan_1; Concur fails twice more and both give up, together.
    for (const name of ['scan_1.jpg', 'scan_2.jpg'])
      await h.waitForJob(`${DIR}/${name}`, (j) => j.state === 'failed' && j.error?.status === 503);
    expect(h.sandbox.received()).toHaveLength(0);

    await h.put(`${DIR}/scan_3.jpg`, jpeg(3200, 3));
    await waitFor(() => h!.sandbox.received().length === 1);
    expect(h.sandbox.received()[0]).toMatchObject({ kind: 'entry', id: 'ENT42', pdfPages: 3 });
    for (const name of ['scan_1.jpg', 'scan_2.jpg', 'scan_3.jpg'])
      await h.waitForJob(`${DIR}/${name}`, (j) => j.state === 'uploaded');
  });
});
