import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FILE } from '../../../main/engine/ledger/ledger.js';
import { useLedgerDir } from './helpers.js';

const ledgers = useLedgerDir();

/**
 * Lines as the engine before record version 2 wrote them (no `v`, no phase):
 * one per case recovery has to tell apart, written out by hand.
 */
const R = '"root":"/home/ana/Scans"';
const T = '"createdAt":1764400000000,"updatedAt":1764400100000';
const V1_LINES = [
  `{"id":"w1",${R},"relPath":"a.pdf","name":"a.pdf","target":{"kind":"receipt"},"state":"waiting","detail":"waiting for the scanner","attempts":0,${T}}`,
  `{"id":"q1",${R},"relPath":"b.pdf","name":"b.pdf","target":{"kind":"receipt"},"state":"queued","attempts":1,"nextAttemptAt":1764400200000,"interrupted":true,"sha256":"bb","size":10,"mtimeMs":5,${T}}`,
  `{"id":"u1",${R},"relPath":"entry/Taxi [E1]/c.pdf","name":"c.pdf","target":{"kind":"entry","id":"E1","label":"Taxi"},"state":"uploading","attempts":1,"sha256":"cc",${T}}`,
  `{"id":"p1",${R},"relPath":"d.pdf","name":"d.pdf","target":{"kind":"receipt"},"state":"paused","detail":"waiting for sign-in","attempts":0,${T}}`,
  // The same job twice: the later line is the one that counts.
  `{"id":"m1",${R},"relPath":"e.jpg","name":"e.jpg","target":{"kind":"receipt"},"state":"uploading","attempts":1,${T}}`,
  `{"id":"m1",${R},"relPath":"e.jpg","name":"e.jpg","target":{"kind":"receipt"},"state":"uploaded","attempts":1,"sha256":"ee","imageId":"IMG-E","size":200,"mtimeMs":7,"finishedAt":1764400100000,"finalPath":"/home/ana/Scans/Uploaded/e.jpg",${T}}`,
  `{"id":"k1",${R},"relPath":"f.jpg","name":"f.jpg","target":{"kind":"receipt"},"state":"uploaded","detail":"kept in place","attempts":1,"sha256":"ff","imageId":"IMG-F","size":300,"mtimeMs":8,"finishedAt":1764400100000,${T}}`,
  `{"id":"x1",${R},"relPath":"g.jpg","name":"g.jpg","target":{"kind":"receipt"},"state":"duplicate","detail":"deleted after upload","attempts":0,"imageId":"IMG-F",${T}}`,
  `{"id":"n1",${R},"relPath":"h.jpg","name":"h.jpg","target":{"kind":"receipt"},"state":"uploaded","attempts":1,"sha256":"hh","finishedAt":1764400100000,${T}}`,
  `{"id":"f1",${R},"relPath":"i.pdf","name":"i.pdf","target":{"kind":"receipt"},"state":"failed","attempts":8,"error":{"reason":"Concur could not take the file after 8 attempts: connection refused","retryable":true},${T}}`,
  `{"id":"f2",${R},"relPath":"j.pdf","name":"j.pdf","target":{"kind":"receipt"},"state":"failed","attempts":0,"error":{"reason":"The file was deleted before it could be uploaded.","retryable":false},${T}}`,
  `{"id":"f3",${R},"relPath":"k.pdf","name":"k.pdf","target":{"kind":"receipt"},"state":"failed","attempts":0,"error":{"reason":"The file is empty.","retryable":false},"finalPath":"/home/ana/Scans/Failed/k.pdf",${T}}`,
  `{"id":"f4",${R},"relPath":"entry/Taxi [E1]/l.pdf","name":"l.pdf","target":{"kind":"entry","id":"E1","label":"Taxi"},"state":"failed","attempts":1,"error":{"reason":"Entry Taxi already has an image in Concur; Concur allows one image per entry.","retryable":false},"finalPath":"/home/ana/Scans/Failed/entry/Taxi [E1]/l.pdf",${T}}`,
  `{"id":"f5",${R},"relPath":"report/R9/m.pdf","name":"m.pdf","target":{"kind":"report","id":"R9"},"state":"failed","attempts":1,"error":{"reason":"Concur does not know report R9 (HTTP 404): check the id in the folder's name.","status":404,"retryable":false},"finalPath":"/home/ana/Scans/Failed/report/R9/m.pdf",${T}}`,
  `{"id":"f6",${R},"relPath":"n.pdf","name":"n.pdf","target":{"kind":"receipt"},"state":"failed","attempts":1,"error":{"reason":"Concur refused the file for the receipt store (HTTP 400): bad image","status":400,"retryable":false},${T}}`,
  `{"id":"f7",${R},"relPath":"o.pdf","name":"o.pdf","target":{"kind":"receipt"},"state":"failed","attempts":0,"error":{"reason":"Waited 10 minutes for the scanner, but the file is still incomplete (cut off before its end).","retryable":false},"finalPath":"/home/ana/Scans/Failed/o.pdf",${T}}`,
  `{"id":"f8",${R},"relPath":"p.txt","name":"p.txt","target":{"kind":"receipt"},"state":"failed","attempts":0,"error":{"reason":"This file is not a PDF, JPEG or PNG (it looks like text).","retryable":false},"finalPath":"/home/ana/Scans/Failed/p.txt",${T}}`,
  `{"id":"f9",${R},"relPath":"q.pdf","name":"q.pdf","target":{"kind":"receipt"},"state":"failed","attempts":0,"error":{"reason":"The file is 12.5 MB; Concur accepts at most 10 MB.","retryable":false},"finalPath":"/home/ana/Scans/Failed/q.pdf",${T}}`,
  `{"id":"f10",${R},"relPath":"r.pdf","name":"r.pdf","target":{"kind":"receipt"},"state":"failed","attempts":0,"error":{"reason":"The PDF is password protected (encrypted); Concur cannot accept it.","retryable":false},"finalPath":"/home/ana/Scans/Failed/r.pdf",${T}}`,
  `{"id":"f11",${R},"relPath":"invoice/I1/s.pdf","name":"s.pdf","target":{"kind":"invoice","id":"I1"},"state":"failed","attempts":0,"error":{"reason":"Together, the 9 files for invoice I1 make a 14.0 MB PDF; Concur accepts at most 10 MB per invoice.","retryable":false},"finalPath":"/home/ana/Scans/Failed/invoice/I1/s.pdf",${T}}`,
  `{"id":"f12",${R},"relPath":"t.pdf","name":"t.pdf","target":{"kind":"receipt"},"state":"failed","attempts":0,"error":{"reason":"The file is 12.5 MB; Concur accepts at most 10 MB.","retryable":false},${T}}`,
  `{"id":"f13",${R},"relPath":"junk/u.pdf","name":"u.pdf","target":null,"state":"failed","attempts":0,"error":{"reason":"Not uploaded: the subfolder \\"junk\\" matches no route and unmatched files are ignored.","retryable":false},${T}}`,
];

describe('migrating a version-1 ledger', () => {
  it('opens a journal the previous version wrote into version-2 records, and rewrites it as version 2', async () => {
    await mkdir(ledgers.dir, { recursive: true });
    await writeFile(join(ledgers.dir, JOURNAL_FILE), V1_LINES.join('\n') + '\n');

    let ledger = await ledgers.open();
    expect(ledger.stats).toMatchObject({
      records: V1_LINES.length,
      migrated: V1_LINES.length,
      compacted: true,
    });
    const got = (id: string) => ledger.get(id)!;
    const summary = (id: string) => {
      const r = got(id);
      return [r.v, r.state, r.phase, r.disposition, r.error?.code, r.mayHaveLanded];
    };

    // Unfinished: where each resumes; an upload on the wire, or marked interrupted, may have landed.
    expect(summary('w1')).toEqual([2, 'waiting', 'settling', undefined, undefined, undefined]);
    expect(summary('q1')).toEqual([2, 'queued', 'queued', undefined, undefined, true]);
    expect(summary('u1')).toEqual([2, 'uploading', 'uploading', undefined, undefined, true]);
    expect(summary('p1')).toEqual([2, 'paused', 'held', undefined, undefined, undefined]);
    // Done: what became of the file, from finalPath and the words version 1 used.
    expect(summary('m1')).toEqual([2, 'uploaded', 'done', 'moved', undefined, undefined]);
    expect(summary('k1')).toEqual([2, 'uploaded', 'done', 'kept', undefined, undefined]);
    expect(summary('x1')).toEqual([2, 'duplicate', 'done', 'deleted', undefined, undefined]);
    // Uploaded, not yet moved (a crash between the two): finishing is still to do.
    expect(summary('n1')).toEqual([2, 'uploaded', 'done', undefined, undefined, undefined]);
    expect(summary('f1')).toEqual([2, 'failed', 'done', 'kept', 'gave-up', undefined]);
    expect(summary('f2')).toEqual([2, 'failed', 'done', 'gone', 'deleted', undefined]);
    expect(summary('f12')).toEqual([2, 'failed', 'done', undefined, 'too-large', undefined]);
    expect(summary('f13')).toEqual([2, 'failed', 'done', 'kept', undefined, undefined]);
    const codes = ['f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9', 'f10', 'f11'].map(
      (id) => got(id).error?.code,
    );
    expect(codes).toEqual([
      'empty',
      'already-has-image',
      'unknown-target',
      'rejected',
      'incomplete',
      'unsupported-type',
      'too-large',
      'encrypted',
      'batch-too-large',
    ]);
    // The reason people read is unchanged.
    expect(got('f2').error?.reason).toBe('The file was deleted before it could be uploaded.');
    expect(
      ledger
        .unfinished()
        .map((r) => r.id)
        .sort(),
    ).toEqual(['f1', 'f12', 'f6', 'n1', 'p1', 'q1', 'u1', 'w1'].sort());
    expect(ledger.findUploaded('ee', 'receipt')).toEqual({
      id: 'm1',
      imageId: 'IMG-E',
      name: 'e.jpg',
    });
    expect(ledger.imaged('entry:E1')).toBe(false);
    expect(ledger.lastAtPath('/home/ana/Scans', 'f.jpg')).toMatchObject({
      id: 'k1',
      disposition: 'kept',
      size: 300,
    });
    expect(ledger.counts()).toMatchObject({
      waiting: 1,
      queued: 1,
      uploading: 1,
      paused: 1,
      uploaded: 3,
      duplicate: 1,
      failed: 13,
    });

    // Rewritten once, as version 2, one line per job: the next open migrates nothing.
    const lines = await ledgers.journalLines();
    expect(lines).toHaveLength(V1_LINES.length - 1);
    expect(lines.every((l) => JSON.parse(l).v === 2)).toBe(true);
    ledger = await ledgers.reopen(ledger);
    expect(ledger.stats).toMatchObject({ migrated: 0, compacted: false });
    expect(summary('f2')).toEqual([2, 'failed', 'done', 'gone', 'deleted', undefined]);
    expect(await readFile(join(ledgers.dir, JOURNAL_FILE), 'utf8')).toContain('"phase":"held"');
  });

  it('re-derives the phase when a record’s state is changed by code that knows no phases', async () => {
    const ledger = await ledgers.open();
    const base = JSON.parse(V1_LINES[1]);
    await ledger.put(base);
    expect(ledger.get('q1')).toMatchObject({ phase: 'queued', mayHaveLanded: true });
    // The current engine spreads the stored record and changes only the state.
    await ledger.put({
      ...ledger.get('q1')!,
      state: 'failed',
      error: { reason: 'The file is empty.', retryable: false },
    });
    expect(ledger.get('q1')).toMatchObject({ phase: 'done', error: { code: 'empty' } });
    expect(ledger.get('q1')!.mayHaveLanded).toBeUndefined();
    // …and then records the move: the disposition follows.
    await ledger.put({ ...ledger.get('q1')!, finalPath: '/home/ana/Scans/Failed/b.pdf' });
    expect(ledger.get('q1')).toMatchObject({ phase: 'done', disposition: 'moved' });
  });
});
