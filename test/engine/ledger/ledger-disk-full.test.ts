import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileJournalStore } from '../../../main/engine/ledger/file-journal-store.js';
import { JOURNAL_FILE, Ledger } from '../../../main/engine/ledger/ledger.js';
import type { JournalStore } from '../../../main/engine/ports/journal-store.js';
import { job, useLedgerDir } from './helpers.js';

const ledgers = useLedgerDir();

function diskFull(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/** Every line of the journal parses: no half-written record anywhere. */
async function expectValidJournal(path: string): Promise<string[]> {
  const text = await readFile(path, 'latin1');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  const lines = text.split('\n').filter(Boolean);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  return lines.map((l) => (JSON.parse(l) as { id: string }).id);
}

describe('a full disk under the ledger', () => {
  it('rejects the put while appends fail, and writes it when space returns', async () => {
    await mkdir(ledgers.dir, { recursive: true });
    const path = join(ledgers.dir, JOURNAL_FILE);
    const file = new FileJournalStore(path);
    let full = false;
    const store: JournalStore = {
      read: () => file.read(),
      append: (data) => (full ? Promise.reject(diskFull()) : file.append(data)),
      replace: (data) => (full ? Promise.reject(diskFull()) : file.replace(data)),
      truncate: (length) => file.truncate(length),
      close: () => file.close(),
    };
    const ledger = await Ledger.openStore(store);
    await ledger.put(job('a'));
    full = true;
    const b = job('b', { state: 'uploaded', finalPath: '/scans/Uploaded/b.pdf' });
    await expect(ledger.put(b)).rejects.toMatchObject({ code: 'ENOSPC' });
    // A compaction on the full disk leaves the journal as it was.
    await ledger.compact();
    expect(await expectValidJournal(path)).toEqual(['a']);
    full = false;
    await ledger.put(b); // the engine tries the same write again
    await ledger.put(job('c'));
    await ledger.close();
    expect(await expectValidJournal(path)).toEqual(['a', 'b', 'c']);
    const reopened = await ledgers.open();
    expect(reopened.get('b')).toMatchObject({ state: 'uploaded', disposition: 'moved' });
    expect(reopened.stats).toMatchObject({ skippedLines: 0, tornTail: false });
  });

  it('opens a journal a crash tore while the disk is full: the torn line is cut off, and a later compaction keeps every record', async () => {
    await mkdir(ledgers.dir, { recursive: true });
    const path = join(ledgers.dir, JOURNAL_FILE);
    const a = job('a');
    const line = (record: unknown) => JSON.stringify(record) + '\n';
    const torn = line(job('b')).slice(0, 40);
    await writeFile(path, line(a) + 'not a record\n' + line({ ...a, state: 'queued' }) + torn);
    const file = new FileJournalStore(path);
    let full = true;
    const store: JournalStore = {
      read: () => file.read(),
      append: (data) => (full ? Promise.reject(diskFull()) : file.append(data)),
      replace: (data) => (full ? Promise.reject(diskFull()) : file.replace(data)),
      truncate: (length) => file.truncate(length),
      close: () => file.close(),
    };
    const ledger = await Ledger.openStore(store, { autoCompact: false });
    expect(ledger.stats).toMatchObject({ tornTail: true, skippedLines: 1, compacted: false });
    expect(ledger.get('a')).toMatchObject({ state: 'queued' });
    full = false;
    await ledger.put(job('c'));
    // The new line starts where the last whole one ended, not glued onto the torn one.
    const lines = (await readFile(path, 'latin1')).split('\n').filter(Boolean);
    expect(lines.slice(-1).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['c']);
    await ledger.compact();
    expect(await expectValidJournal(path)).toEqual(['a', 'c']);
    await ledger.close();
    const reopened = await Ledger.open(ledgers.dir);
    expect(reopened.get('a')).toMatchObject({ state: 'queued' });
    expect(reopened.stats).toMatchObject({ jobs: 2, skippedLines: 0, tornTail: false });
    await reopened.close();
  });

  it('on a real full file system (64 KB tmpfs), cuts a partial write back off and goes on once space is freed', async (context) => {
    const mountPoint = await mkdtemp(join(tmpdir(), 'concur-drop-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], {
        stdio: 'pipe',
      });
    } catch (error) {
      await rm(mountPoint, { recursive: true, force: true });
      const why = `cannot mount a small tmpfs here (needs root): ${String(error).split('\n')[0]}`;
      console.warn(`skipped: ${why}`);
      context.skip(why);
    }
    const opened: Ledger[] = [];
    try {
      const dir = join(mountPoint, 'ledger');
      const ledger = await Ledger.open(dir);
      opened.push(ledger);
      // Fill what the journal leaves of the disk; the filler is deleted later to free space.
      const filler = join(mountPoint, 'filler');
      await writeFile(filler, Buffer.alloc(40 * 1024));
      const detail = 'x'.repeat(1500);
      const acknowledged: string[] = [];
      let refused: { id: string; error: unknown } | undefined;
      for (let i = 0; i < 100 && !refused; i++) {
        const id = `j${i}`;
        try {
          await ledger.put(job(id, { detail }));
          acknowledged.push(id);
        } catch (error) {
          refused = { id, error };
        }
      }
      expect(refused?.error).toMatchObject({ code: 'ENOSPC' });
      expect(acknowledged.length).toBeGreaterThan(3);
      const journal = join(dir, JOURNAL_FILE);
      expect(await expectValidJournal(journal)).toEqual(acknowledged);

      await rm(filler);
      await ledger.put(job(refused!.id, { detail }));
      await ledger.put(job('after', { detail }));
      await ledger.close();
      expect(await expectValidJournal(journal)).toEqual([...acknowledged, refused!.id, 'after']);
      const reopened = await Ledger.open(dir);
      opened.push(reopened);
      expect(reopened.stats).toMatchObject({
        jobs: acknowledged.length + 2,
        skippedLines: 0,
        tornTail: false,
      });
      await reopened.close();
    } finally {
      for (const ledger of opened) await ledger.close();
      execFileSync('umount', [mountPoint]);
      await rm(mountPoint, { recursive: true, force: true });
    }
  });
});
