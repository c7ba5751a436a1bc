import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileJournalStore } from '../../../main/engine/ledger/file-journal-store.js';
import { JOURNAL_FILE, Ledger } from '../../../main/engine/ledger/ledger.js';
import type { JournalStore } from '../../../main/engine/ports/journal-store.js';
import type { Job, JobState } from '../../../main/engine/types.js';
import { job, useLedgerDir } from './helpers.js';

const ledgers = useLedgerDir();

const LIFE: JobState[] = ['waiting', 'queued', 'uploading', 'uploaded'];

describe('compaction while running', () => {
  it(
    'compacts in the background under concurrent puts and loses none of them',
    { timeout: 60_000 },
    async () => {
      let ledger = await ledgers.open({ compactMinLines: 50, keepFinished: 20 });
      const last = new Map<string, Job>();
      // Eight writers at once, like parallel uploads, each moving its jobs through their life.
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 60; i++) {
            const base = job(`w${w}-${i}`, { sha256: `s${w}-${i}` });
            for (const state of LIFE) {
              const next: Job = {
                ...base,
                state,
                ...(state === 'uploaded'
                  ? { imageId: `I${w}-${i}`, finishedAt: base.createdAt }
                  : {}),
              };
              await ledger.put(next);
              last.set(next.id, next);
            }
            const moved = { ...last.get(base.id)!, finalPath: `/scans/Uploaded/${base.id}.pdf` };
            await ledger.put(moved);
            last.set(moved.id, moved);
          }
        }),
      );
      const { compactions, journalLines } = ledger.stats;
      expect(compactions).toBeGreaterThan(2);
      // Bounded: one line per job plus at most about as many superseded ones.
      expect(journalLines).toBeLessThan(2 * 480 + 100);

      ledger = await ledgers.reopen(ledger, { keepFinished: Infinity });
      expect(ledger.stats).toMatchObject({ jobs: 480, skippedLines: 0, tornTail: false });
      for (const [id, expected] of last) {
        expect(ledger.get(id), id).toMatchObject({
          state: expected.state,
          finalPath: expected.finalPath,
        });
      }
      expect(ledger.counts().uploaded).toBe(480);
      expect((await readdir(ledgers.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    },
  );

  it('writes puts made during the replace after the compacted lines, in order', async () => {
    let release!: () => void;
    const replacing = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inReplace = new Promise<void>((resolve) => (entered = resolve));
    const file = new FileJournalStore(join(ledgers.dir, JOURNAL_FILE));
    // The replace waits until the test has put more while it runs.
    const slow: JournalStore = {
      read: () => file.read(),
      append: (data) => file.append(data),
      replace: async (data) => {
        entered();
        await replacing;
        return file.replace(data);
      },
      truncate: (length) => file.truncate(length),
      close: () => file.close(),
    };
    await (await ledgers.open()).close(); // creates the folder
    const ledger = await Ledger.openStore(slow, { autoCompact: false });
    const a = job('a', { state: 'waiting' });
    for (const state of LIFE) await ledger.put({ ...a, state });
    const compaction = ledger.compact();
    await inReplace;
    // While the journal is being replaced: a put for a job already in it, and a new one.
    const during = [
      ledger.put({ ...a, state: 'uploaded', finalPath: '/scans/Uploaded/a.pdf' }),
      ledger.put(job('b')),
    ];
    let landed = false;
    void Promise.all(during).then(() => (landed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(landed).toBe(false); // held back, not lost
    release();
    await compaction;
    await Promise.all(during);
    expect(ledger.stats).toMatchObject({ compactions: 1, journalLines: 3 });
    await ledger.close();

    const reopened = await ledgers.open();
    expect(reopened.get('a')).toMatchObject({
      state: 'uploaded',
      finalPath: '/scans/Uploaded/a.pdf',
      disposition: 'moved',
    });
    expect(reopened.get('b')?.state).toBe('queued');
    expect(await ledgers.journalLines()).toHaveLength(3);
  });

  it('writes a journal whose kept lines lie scattered in thousands of pieces, each one whole', async () => {
    // Every other line superseded: 3,000 kept lines in 3,000 separate slices of the old
    // journal, more than one write of the OS takes at once (1,024 on Linux).
    let ledger = await ledgers.open({ autoCompact: false });
    const count = 3000;
    for (let i = 0; i < count; i++) {
      const a = job(`j${i}`, { state: 'waiting' });
      await ledger.put(a);
      await ledger.put({ ...a, state: 'queued', sha256: `s${i}` });
    }
    await ledger.compact();
    expect(ledger.stats).toMatchObject({ compactions: 1, journalLines: count });
    ledger = await ledgers.reopen(ledger, { keepFinished: Infinity });
    expect(ledger.stats).toMatchObject({ jobs: count, skippedLines: 0, tornTail: false });
    for (let i = 0; i < count; i++)
      expect(ledger.get(`j${i}`)).toMatchObject({ state: 'queued', sha256: `s${i}` });
    expect(await ledgers.journalLines()).toHaveLength(count);
  });
});
