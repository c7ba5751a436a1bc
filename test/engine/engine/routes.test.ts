import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jpeg, pdf, png } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';
import type { Summary } from '../../../main/engine/types.js';
import { renameSync, writeFileSync } from 'node:fs';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('engine: folders to Concur targets', () => {
  it('uploads each convention folder and an explicit route to the right Concur target', async () => {
    h = await startEngineHarness({ noStart: true });
    await h.restart({
      folders: [
        {
          path: h.root,
          routes: [{ subfolder: 'Berlin', target: { kind: 'report', id: 'EXPLICIT1' } }],
        },
      ],
    });
    await h.put('receipt.jpg', jpeg(3000, 1));
    await h.put('report/Berlin trip [REP123]/hotel.pdf', await pdf({ text: 'hotel' }));
    await h.put('entry/ENT456/taxi.png', png(20, 20));
    await h.put('invoice/Acme [INV789]/bill.pdf', await pdf({ text: 'bill' }));
    await h.put('Berlin/dinner.jpg', jpeg(2500, 2));
    await h.put('Misc/other.jpg', jpeg(2600, 3));

    for (const rel of [
      'receipt.jpg',
      'report/Berlin trip [REP123]/hotel.pdf',
      'entry/ENT456/taxi.png',
      'invoice/Acme [INV789]/bill.pdf',
      'Berlin/dinner.jpg',
      'Misc/other.jpg',
    ]) {
      const job = await h.waitForJob(rel);
      expect(job.state, `${rel}: ${job.error?.reason}`).toBe('uploaded');
      expect(job.imageId).toBeTruthy();
    }
    const got = h.sandbox
      .received()
      .map((r) => `${r.kind}:${r.id ?? ''}:${r.version}`)
      .sort();
    expect(got).toEqual(
      [
        'receipt::v1.0',
        'report:REP123:v1.0',
        'entry:ENT456:v1.0',
        'invoice:INV789:v1.1',
        'report:EXPLICIT1:v1.0',
        'receipt::v1.0',
      ].sort(),
    );
    await h.engine.whenIdle();
    // afterUpload 'move' (the default): each file now sits under Uploaded/ at the same relative path.
    expect(await readdir(join(h.root, 'Uploaded', 'report', 'Berlin trip [REP123]'))).toEqual([
      'hotel.pdf',
    ]);
    expect(await readdir(join(h.root, 'Uploaded', 'Misc'))).toEqual(['other.jpg']);
  });

  it('handles names with Unicode and spaces, files present before start, and a .tmp renamed into place', async () => {
    h = await startEngineHarness({
      before: {
        'Quittung Café – März №1.jpg': jpeg(2000, 4),
        'older scan.pdf': await pdf({ text: 'old' }),
      },
    });
    const tmpPath = join(h.root, 'scanner output.pdf.tmp');
    writeFileSync(tmpPath, await pdf({ text: 'renamed' }));
    const firstPass = await h.waitForJob('older scan.pdf');
    expect(firstPass.state).toBe('uploaded');
    // The .tmp itself is never a job; once renamed to a real name it is a new file.
    expect(h.jobAt('scanner output.pdf.tmp')).toBeUndefined();
    renameSync(tmpPath, join(h.root, 'scanner output.pdf'));

    for (const rel of ['Quittung Café – März №1.jpg', 'older scan.pdf', 'scanner output.pdf']) {
      expect((await h.waitForJob(rel)).state).toBe('uploaded');
    }
    await waitFor(() => h!.sandbox.received().length === 3);
    await h.engine.whenIdle();
    expect((await readdir(join(h.root, 'Uploaded'))).sort()).toEqual(
      ['Quittung Café – März №1.jpg', 'older scan.pdf', 'scanner output.pdf'].sort(),
    );
  });

  it('announces upload progress and keeps the summary up to date', async () => {
    h = await startEngineHarness();
    const summaries: Summary[] = [];
    h.engine.on('summary', (s) => summaries.push(s));
    await h.put('big.jpg', jpeg(4 * 1024 * 1024, 6));
    expect((await h.waitForJob('big.jpg')).state).toBe('uploaded');
    const progress = h.jobEvents
      .filter((j) => j.name === 'big.jpg' && j.state === 'uploading')
      .map((j) => j.progress);
    expect(progress).toContain(1);
    // Throttled: a handful per upload, not one per network chunk.
    expect(progress.length).toBeLessThan(20);
    await waitFor(() => summaries.at(-1)?.uploaded === 1);
    expect(summaries.some((s) => s.waiting === 1)).toBe(true);
    // Counts never go negative or drift: each is derived from the jobs' states.
    for (const s of summaries)
      expect(Math.min(s.waiting, s.queued, s.uploading, s.uploaded)).toBeGreaterThanOrEqual(0);
    expect(h.engine.summary()).toMatchObject({
      uploaded: 1,
      uploadedToday: 1,
      waiting: 0,
      queued: 0,
      roots: [h.root],
    });
  });

  it('leaves files in other subfolders alone when the folder says unmatched: ignore', async () => {
    h = await startEngineHarness({ noStart: true });
    await h.restart({ folders: [{ path: h.root, unmatched: 'ignore' }] });
    await h.put('Private/notes.jpg', jpeg(2000, 7));
    await h.put('top.jpg', jpeg(2000, 8));
    expect((await h.waitForJob('top.jpg')).state).toBe('uploaded');
    await h.engine.whenIdle();
    expect(h.jobAt('Private/notes.jpg')).toBeUndefined();
    expect(h.sandbox.received()).toHaveLength(1);
  });
});
