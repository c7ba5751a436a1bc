import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanJournal } from '../../../main/engine/ledger/journal.js';
import { useLedgerDir } from './helpers.js';

const ledgers = useLedgerDir();

/** Reads the journal at `path` into an array, as Ledger.open sees it (a missing file reads as empty). */
async function readAll(path: string) {
  const data = await readFile(path).catch(() => new Uint8Array(0));
  const records: unknown[] = [];
  const scan = scanJournal(data, (record) => records.push(record));
  return { records, scan };
}

describe('reading the journal file', () => {
  it('reads lines that cross the reader’s chunk boundaries, ASCII or UTF-8, short or huge', async () => {
    // Enough lines of uneven length that some break across each 1 MB read, multi-byte
    // characters among them, and one line longer than a whole read.
    const expected: unknown[] = [];
    for (let i = 0; i < 6000; i++) {
      expected.push({ id: `j${i}`, relPath: `${'x'.repeat(i % 700)}/Café 🧾 ${i}.pdf` });
    }
    expected.splice(2500, 0, { id: 'huge', relPath: 'Größe '.repeat(400_000) });
    const path = join(ledgers.dir, '..', 'journal.jsonl');
    await writeFile(path, expected.map((r) => JSON.stringify(r) + '\n').join(''));

    const { records, scan } = await readAll(path);
    expect(records).toEqual(expected);
    expect(scan).toMatchObject({ records: expected.length, corruptLines: 0, tornTail: false });
  });

  it('counts a corrupt line in the middle and drops a torn last line after a long file', async () => {
    const lines = Array.from({ length: 4000 }, (_, i) =>
      JSON.stringify({ id: `j${i}`, pad: 'p'.repeat(400) }),
    );
    lines.splice(1000, 0, '{"id": "broken", "sta');
    const path = join(ledgers.dir, '..', 'journal.jsonl');
    await writeFile(path, lines.join('\n') + '\n' + JSON.stringify({ id: 'torn' }).slice(0, 9));

    const { records, scan } = await readAll(path);
    expect(records).toHaveLength(4000);
    expect(records.at(-1)).toMatchObject({ id: 'j3999' });
    expect(scan).toMatchObject({ records: 4000, corruptLines: 1, tornTail: true });
  });

  it('reads a missing file as empty', async () => {
    const { records, scan } = await readAll(join(ledgers.dir, '..', 'none.jsonl'));
    expect(records).toEqual([]);
    expect(scan).toEqual({
      records: 0,
      corruptLines: 0,
      blankLines: 0,
      tornTail: false,
      bytes: 0,
      wholeBytes: 0,
    });
  });
});
