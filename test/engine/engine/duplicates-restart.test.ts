import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { parseSettings } from '../../../main/engine/settings/schema.js';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, ledgerDir } from '../../../main/engine/ledger/ledger.js';
import type { Job } from '../../../main/engine/types.js';
import { jpeg, pdf } from '../../fixtures/scans.js';
import { FAST, startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('engine: duplicates and restarts', () => {
  it('uploads the same bytes once and marks the copy duplicate, also after a restart', async () => {
    h = await startEngineHarness();
    const bytes = jpeg(5000, 21);
    await h.put('a.jpg', bytes);
    await h.put('copy of a.jpg', bytes);
    const [a, b] = [await h.waitForJob('a.jpg'), await h.waitForJob('copy of a.jpg')];
    expect([a.state, b.state].sort()).toEqual(['duplicate', 'uploaded']);
    expect(a.imageId).toBe(b.imageId);
    expect(h.sandbox.received()).toHaveLength(1);

    await h.restart();
    await h.put('third copy.jpg', bytes);
    const c = await h.waitForJob('third copy.jpg');
    expect(c.state).toBe('duplicate');
    expect(c.imageId).toBe(a.imageId);
    // The counts after a restart come from the ledger's history.
    expect(h.engine.summary()).toMatchObject({ uploaded: 1, duplicate: 2, failed: 0, waiting: 0 });
    await h.engine.whenIdle();
    // A duplicate is finished like an upload: moved to Uploaded/.
    expect(existsSync(join(h.root, 'Uploaded', 'third copy.jpg'))).toBe(true);
    expect(h.sandbox.received()).toHaveLength(1);
    // The same bytes for another target are not a duplicate.
    await h.put('report/R1/a.jpg', bytes);
    expect((await h.waitForJob('report/R1/a.jpg')).state).toBe('uploaded');
    expect(h.sandbox.received()).toHaveLength(2);
  });

  it('resumes jobs a stopped run left queued or uploading, and each is uploaded once', async () => {
    h = await startEngineHarness({ settings: { concurrency: 2 } });
    // Concur hangs: two uploads are in flight and the third waits for a slot when the engine
    // stops, whichever order the files were found in.
    h.sandbox.inject({ hang: true }, { hang: true }, { hang: true });
    await h.put('one.pdf', await pdf({ text: 'one' }));
    await h.put('two.pdf', await pdf({ text: 'two' }));
    await h.put('three.pdf', await pdf({ text: 'three' }));
    await waitFor(() => {
      const states = ['one.pdf', 'two.pdf', 'three.pdf'].map((n) => h!.jobAt(n)?.state);
      return (
        states.filter((s) => s === 'uploading').length === 2 &&
        states.filter((s) => s === 'queued').length === 1
      );
    });
    await h.engine.stop();

    const ledger = await Ledger.open(ledgerDir(h.dataDir));
    const states = ledger.all().map((j) => j.state);
    await ledger.close();
    expect(states.filter((s) => s === 'uploading').length).toBeGreaterThan(0);

    h.sandbox.reset();
    await h.restart();
    for (const n of ['one.pdf', 'two.pdf', 'three.pdf'])
      expect((await h.waitForJob(n)).state).toBe('uploaded');
    expect(h.sandbox.received()).toHaveLength(3);
  });

  it('counts "already has an image" as done for an entry upload that was in flight when the process died', async () => {
    h = await startEngineHarness();
    await h.put('entry/E77/receipt.jpg', jpeg(3000, 31));
    const done = await h.waitForJob('entry/E77/receipt.jpg');
    expect(done.state).toBe('uploaded');
    await h.engine.whenIdle();
    await h.engine.stop();
    // Rewrite history as a crash mid-upload leaves it: Concur has the image, the ledger says 'uploading'.
    const ledger = await Ledger.open(ledgerDir(h.dataDir));
    const crashed: Job = {
      ...done,
      state: 'uploading',
      phase: 'uploading',
      disposition: undefined,
      imageId: undefined,
      finishedAt: undefined,
      finalPath: undefined,
    };
    await ledger.put(crashed);
    await ledger.close();
    const { moveFile } = await import('../../../main/engine/finish/finish.js');
    await moveFile(
      join(h.root, 'Uploaded', 'entry', 'E77', 'receipt.jpg'),
      join(h.root, 'entry', 'E77', 'receipt.jpg'),
    );

    await h.restart();
    const after = await h.waitForJob(
      'entry/E77/receipt.jpg',
      (j) => j.state !== 'uploading' && j.state !== 'waiting' && j.state !== 'queued',
    );
    expect(after.state).toBe('uploaded');
    expect(after.detail).toMatch(/already had it/);
    expect(h.sandbox.received()).toHaveLength(1);
  });

  it('with afterUpload keep, leaves files in place and does not upload them again on restart', async () => {
    h = await startEngineHarness({ settings: { afterUpload: 'keep' } });
    await h.put('kept.jpg', jpeg(2000, 41));
    expect((await h.waitForJob('kept.jpg')).state).toBe('uploaded');
    await h.engine.whenIdle();
    expect(existsSync(join(h.root, 'kept.jpg'))).toBe(true);
    const jobsBefore = h.engine.jobs().length;
    await h.restart();
    await h.engine.whenIdle();
    expect(h.engine.jobs()).toHaveLength(jobsBefore);
    expect(h.sandbox.received()).toHaveLength(1);
  });

  it('with afterUpload delete, removes the uploaded file', async () => {
    h = await startEngineHarness({ settings: { afterUpload: 'delete' } });
    await h.put('bye.jpg', jpeg(2000, 42));
    expect((await h.waitForJob('bye.jpg')).state).toBe('uploaded');
    await h.engine.whenIdle();
    expect(existsSync(join(h.root, 'bye.jpg'))).toBe(false);
    expect(existsSync(join(h.root, 'Uploaded'))).toBe(false);
  });

  it('gives a name that is already taken in Uploaded/ a " (2)"', async () => {
    h = await startEngineHarness();
    await h.put('Uploaded/scan.pdf', 'an older upload with the same name');
    await h.put('scan.pdf', await pdf({ text: 'new' }));
    const job = await h.waitForJob('scan.pdf');
    expect(job.state).toBe('uploaded');
    await h.engine.whenIdle();
    expect((await readdir(join(h.root, 'Uploaded'))).sort()).toEqual(['scan (2).pdf', 'scan.pdf']);
    expect(h.engine.job(job.id)?.finalPath).toBe(join(h.root, 'Uploaded', 'scan (2).pdf'));
    expect(await readFile(join(h.root, 'Uploaded', 'scan.pdf'), 'utf8')).toBe(
      'an older upload with the same name',
    );
  });

  it('Retry puts a file from Failed/ back and uploads it once the cause is fixed', async () => {
    h = await startEngineHarness();
    await h.put('report/BAD ID!/r.jpg', jpeg(2000, 51));
    const failed = await h.waitForJob('report/BAD ID!/r.jpg');
    expect(failed.state).toBe('failed');
    await h.engine.whenIdle();
    expect(existsSync(join(h.root, 'Failed', 'report', 'BAD ID!', 'r.jpg.error.txt'))).toBe(true);
    // The user adds an explicit route for that folder, then presses Retry.
    await h.engine.updateSettings(
      parseSettings({
        concur: { baseUrl: h.sandbox.url },
        ...FAST,
        folders: [
          {
            path: h.root,
            routes: [{ subfolder: 'report/BAD ID!', target: { kind: 'report', id: 'GOOD1' } }],
          },
        ],
      }),
    );
    expect(await h.engine.retry(failed.id)).toBe(true);
    const again = await h.waitForJob('report/BAD ID!/r.jpg', (j) => j.state === 'uploaded');
    expect(again.id).toBe(failed.id);
    expect(h.sandbox.received()[0]).toMatchObject({ kind: 'report', id: 'GOOD1' });
    await h.engine.whenIdle();
    expect(existsSync(join(h.root, 'Failed', 'report', 'BAD ID!', 'r.jpg.error.txt'))).toBe(false);
  });

  it('finishes a move that a crash cut short, without a new job or upload', async () => {
    h = await startEngineHarness();
    await h.put('half.jpg', jpeg(2000, 61));
    const done = await h.waitForJob('half.jpg');
    await h.engine.whenIdle();
    await h.engine.stop();
    // As a crash right after writing "uploaded" leaves it: the file still in place, no finalPath.
    const { moveFile } = await import('../../../main/engine/finish/finish.js');
    await moveFile(join(h.root, 'Uploaded', 'half.jpg'), join(h.root, 'half.jpg'));
    const ledger = await Ledger.open(ledgerDir(h.dataDir));
    await ledger.put({ ...done, finalPath: undefined, detail: undefined, disposition: undefined });
    await ledger.close();

    await h.restart();
    await waitFor(() => existsSync(join(h!.root, 'Uploaded', 'half.jpg')));
    await h.engine.whenIdle();
    expect(existsSync(join(h.root, 'half.jpg'))).toBe(false);
    expect(h.engine.jobs()).toHaveLength(1);
    expect(h.sandbox.received()).toHaveLength(1);
  });

  it('treats a file moved back out of Uploaded/ as dropped again: a duplicate, not ignored', async () => {
    h = await startEngineHarness();
    await h.put('again.jpg', jpeg(2000, 62));
    const first = await h.waitForJob('again.jpg');
    await h.engine.whenIdle();
    const { moveFile } = await import('../../../main/engine/finish/finish.js');
    await moveFile(join(h.root, 'Uploaded', 'again.jpg'), join(h.root, 'again.jpg'));
    const second = await waitFor(() =>
      h!.engine
        .jobs()
        .find((j) => j.name === 'again.jpg' && j.id !== first.id && j.state === 'duplicate'),
    );
    expect(second.imageId).toBe(first.imageId);
    await h.engine.whenIdle();
    // Finished like an upload: back in Uploaded/.
    expect(await readdir(join(h.root, 'Uploaded'))).toEqual(['again.jpg']);
    expect(existsSync(join(h.root, 'again.jpg'))).toBe(false);
    expect(h.sandbox.received()).toHaveLength(1);
  });
});
