import { appendFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FILE } from '../../../main/engine/ledger/ledger.js';
import type { Job } from '../../../main/engine/types.js';
import { job, useLedgerDir } from './helpers.js';

const ledgers = useLedgerDir();

describe('the ledger keeps jobs across restarts', () => {
  it('gives back every job with its latest state after a reopen', async () => {
    let ledger = await ledgers.open();
    const a = job('a');
    const b = job('b', { target: { kind: 'report', id: 'R1', label: 'Berlin' } });
    await ledger.put(a);
    await ledger.put(b);
    await ledger.put({ ...a, state: 'uploading', attempts: 1 });
    await ledger.put({ ...a, state: 'uploaded', attempts: 1, imageId: 'IMG1' });
    expect(ledger.get('a')).toMatchObject({ state: 'uploaded', imageId: 'IMG1' });

    ledger = await ledgers.reopen(ledger);
    // Stored as record version 2: the phase the state is derived from comes along.
    expect(ledger.get('a')).toEqual({
      ...a,
      v: 2,
      phase: 'done',
      state: 'uploaded',
      attempts: 1,
      imageId: 'IMG1',
    });
    expect(ledger.get('b')).toEqual({ ...b, v: 2, phase: 'queued' });
    expect(ledger.get('nope')).toBeUndefined();
    expect(ledger.stats).toMatchObject({ records: 4, jobs: 2, skippedLines: 0, tornTail: false });
  });

  it('keeps Unicode file and folder names exactly, also from a hand-written UTF-8 line', async () => {
    let ledger = await ledgers.open();
    const relPath = 'report/Reise nach München [ABC$1]/Quittung 1 – Café 🧾.pdf';
    await ledger.put(job('u', { relPath, name: 'Quittung 1 – Café 🧾.pdf' }));
    await ledger.close();
    // The journal itself is ASCII (fast to read); a line written by something else may not be.
    const bytes = await readFile(join(ledgers.dir, JOURNAL_FILE));
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    await appendFile(
      join(ledgers.dir, JOURNAL_FILE),
      JSON.stringify(job('raw', { relPath: 'Größe ß.pdf' })) + '\n',
    );
    ledger = await ledgers.open();
    expect(ledger.get('u')?.relPath).toBe(relPath);
    expect(ledger.findByPath('/scans', relPath)?.id).toBe('u');
    expect(ledger.get('raw')?.relPath).toBe('Größe ß.pdf');
  });

  it('lists jobs newest first and by state', async () => {
    const ledger = await ledgers.open();
    const older = job('older', { state: 'failed' });
    const newer = job('newer', { state: 'queued' });
    const twin = { ...job('twin', { state: 'waiting' }), createdAt: newer.createdAt };
    await Promise.all([ledger.put(older), ledger.put(newer), ledger.put(twin)]);
    expect(ledger.all().map((j) => j.id)).toEqual(['twin', 'newer', 'older']);
    expect(ledger.inStates(['queued', 'waiting']).map((j) => j.id)).toEqual(['twin', 'newer']);
    await ledger.put({ ...older, state: 'queued' });
    expect(ledger.inStates(['queued']).map((j) => j.id)).toEqual(['newer', 'older']);
    // A job found late (e.g. at catch-up) with an older time still sorts by its time.
    await ledger.put({ ...job('late'), createdAt: older.createdAt - 1 });
    await ledger.put(job('newest'));
    const order = ['newest', 'twin', 'newer', 'older', 'late'];
    expect(ledger.all().map((j) => j.id)).toEqual(order);
    // values(): the same jobs, in no set order (for counting without a sort).
    expect([...ledger.values()].map((j) => j.id).sort()).toEqual([...order].sort());
    const reopened = await ledgers.reopen(ledger);
    // After a reopen only the matches are sorted, still newest first.
    expect(reopened.inStates(['queued']).map((j) => j.id)).toEqual([
      'newest',
      'newer',
      'older',
      'late',
    ]);
    expect(reopened.all().map((j) => j.id)).toEqual(order);
  });

  it('keeps what was put even if the caller changes its object afterwards', async () => {
    const ledger = await ledgers.open();
    const a = job('a');
    const written = ledger.put(a);
    a.state = 'failed';
    await written;
    expect(ledger.get('a')?.state).toBe('queued');
    expect((await ledgers.reopen(ledger)).get('a')?.state).toBe('queued');
  });

  it('finds the newest job for a file path', async () => {
    const ledger = await ledgers.open();
    const first = job('first', { relPath: 'entry/E1/scan.pdf', state: 'failed' });
    const second = job('second', { relPath: 'entry/E1/scan.pdf', state: 'uploaded' });
    await ledger.put(second);
    await ledger.put(first); // an older job written later must not hide the newer one
    expect(ledger.findByPath('/scans', 'entry/E1/scan.pdf')?.id).toBe('second');
    expect(ledger.findByPath('/other', 'entry/E1/scan.pdf')).toBeUndefined();
    // The same name dropped again later is a new job, and now the newest there.
    await ledger.put(job('third', { relPath: 'entry/E1/scan.pdf', state: 'waiting' }));
    expect(ledger.findByPath('/scans', 'entry/E1/scan.pdf')?.id).toBe('third');
    expect((await ledgers.reopen(ledger)).findByPath('/scans', 'entry/E1/scan.pdf')?.id).toBe(
      'third',
    );
  });
});

describe('duplicate detection', () => {
  it('finds an uploaded scan by content and target, also after a restart', async () => {
    let ledger = await ledgers.open();
    const target = { kind: 'entry' as const, id: 'E1', label: 'Taxi' };
    await ledger.put(job('up', { sha256: 'abc', target, state: 'uploading' }));
    expect(ledger.findUploaded('abc', 'entry:E1')).toBeUndefined();
    await ledger.put({ ...ledger.get('up')!, state: 'uploaded', imageId: 'IMG' });
    expect(ledger.findUploaded('abc', 'entry:E1')?.imageId).toBe('IMG');

    ledger = await ledgers.reopen(ledger);
    expect(ledger.findUploaded('abc', 'entry:E1')?.id).toBe('up');
    expect(ledger.findUploaded('abc', 'entry:E2')).toBeUndefined();
    expect(ledger.findUploaded('abc', 'receipt')).toBeUndefined();
    expect(ledger.findUploaded('def', 'entry:E1')).toBeUndefined();
  });

  it('does not count failed or duplicate jobs as uploaded', async () => {
    const ledger = await ledgers.open();
    await ledger.put(job('f', { sha256: 'x', state: 'failed' }));
    await ledger.put(job('d', { sha256: 'x', state: 'duplicate' }));
    expect(ledger.findUploaded('x', 'receipt')).toBeUndefined();
  });
});

describe('compaction', () => {
  it('keeps only the latest state of each job and shrinks the file', async () => {
    let ledger = await ledgers.open();
    for (const id of ['a', 'b', 'c']) {
      const j = job(id);
      for (const state of ['waiting', 'queued', 'uploading', 'uploaded'] as const) {
        await ledger.put({ ...j, state });
      }
    }
    await ledger.close();
    const before = (await stat(join(ledgers.dir, JOURNAL_FILE))).size;
    expect(await ledgers.journalLines()).toHaveLength(12);

    ledger = await ledgers.open({ compactMinLines: 0 });
    expect(ledger.stats).toMatchObject({ records: 12, jobs: 3, compacted: true });
    const lines = await ledgers.journalLines();
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l).state)).toEqual(['uploaded', 'uploaded', 'uploaded']);
    expect((await stat(join(ledgers.dir, JOURNAL_FILE))).size).toBeLessThan(before / 3);
    expect((await readdir(ledgers.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves a journal with nothing to drop untouched', async () => {
    let ledger = await ledgers.open();
    await ledger.put(job('a'));
    ledger = await ledgers.reopen(ledger);
    expect(ledger.stats.compacted).toBe(false);
  });
});

describe('writing', () => {
  it('writes many parallel puts together in few disk flushes', async () => {
    const ledger = await ledgers.open();
    await Promise.all(Array.from({ length: 200 }, (_, i) => ledger.put(job(`p${i}`))));
    expect(ledger.commits).toBeGreaterThan(0);
    expect(ledger.commits).toBeLessThan(100);
    expect(await ledgers.journalLines()).toHaveLength(200);
  });

  it('writes only the newest of the records a job got while the disk was busy', async () => {
    let ledger = await ledgers.open();
    const busy = ledger.put(job('first'));
    // Put while the first line is being written and synced: these share the next flush.
    const later = [
      ledger.put(job('a', { state: 'waiting' })),
      ledger.put(job('b')),
      ledger.put(job('a', { state: 'queued' })),
      ledger.put(job('a', { state: 'uploading', attempts: 1 })),
    ];
    await Promise.all([busy, ...later]);
    const lines = (await ledgers.journalLines()).map((l) => JSON.parse(l) as Job);
    expect(lines.map((l) => `${l.id}:${l.state}`)).toEqual([
      'first:queued',
      'b:queued',
      'a:uploading',
    ]);
    ledger = await ledgers.reopen(ledger);
    expect(ledger.get('a')).toMatchObject({ state: 'uploading', attempts: 1 });
  });

  it('refuses puts after close and puts that are not jobs', async () => {
    const ledger = await ledgers.open();
    await expect(ledger.put({ id: 'x' } as Job)).rejects.toThrow(/Not a job/);
    await ledger.close();
    await expect(ledger.put(job('late'))).rejects.toThrow(/closed/);
  });
});
