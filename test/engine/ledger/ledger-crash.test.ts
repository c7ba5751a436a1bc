import { spawn } from 'node:child_process';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FILE, Ledger, LOCK_FILE } from '../../../main/engine/ledger/ledger.js';
import { job, useLedgerDir } from './helpers.js';

const ledgers = useLedgerDir();

describe('surviving crashes', () => {
  it('ignores a torn last line and keeps everything before it', async () => {
    let ledger = await ledgers.open();
    await ledger.put(job('a'));
    await ledger.put(job('b'));
    await ledger.close();
    const half = JSON.stringify(job('c')).slice(0, 40);
    await appendFile(join(ledgers.dir, JOURNAL_FILE), half);

    ledger = await ledgers.open();
    expect(
      ledger
        .all()
        .map((j) => j.id)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(ledger.stats).toMatchObject({ tornTail: true, skippedLines: 0 });
    // New lines must not glue onto the torn one.
    await ledger.put(job('d'));
    ledger = await ledgers.reopen(ledger);
    expect(
      ledger
        .all()
        .map((j) => j.id)
        .sort(),
    ).toEqual(['a', 'b', 'd']);
    expect(ledger.stats).toMatchObject({ tornTail: false, skippedLines: 0 });
  });

  it('ignores the NUL-filled tail a power cut can leave', async () => {
    let ledger = await ledgers.open();
    await ledger.put(job('a'));
    await ledger.close();
    await appendFile(join(ledgers.dir, JOURNAL_FILE), Buffer.alloc(4096));
    ledger = await ledgers.open();
    expect(ledger.all().map((j) => j.id)).toEqual(['a']);
  });

  it('skips and counts a corrupt line in the middle, keeping a copy of the file', async () => {
    let ledger = await ledgers.open();
    await ledger.put(job('a'));
    await ledger.close();
    await appendFile(join(ledgers.dir, JOURNAL_FILE), '{"id": "broken", "sta\n{"no":"job"}\n');
    ledger = await ledgers.open();
    await ledger.put(job('b'));
    ledger = await ledgers.reopen(ledger);
    // Written as: a, garbage, non-job, then compacted at the second open.
    expect(
      ledger
        .all()
        .map((j) => j.id)
        .sort(),
    ).toEqual(['a', 'b']);
    const files = await readdir(ledgers.dir);
    expect(files.some((f) => f.startsWith(`${JOURNAL_FILE}.corrupt-`))).toBe(true);
  });

  it('reports corrupt lines it skipped at open', async () => {
    await Ledger.open(ledgers.dir).then((l) => l.put(job('a')).then(() => l.close()));
    await appendFile(
      join(ledgers.dir, JOURNAL_FILE),
      'garbage\n' + JSON.stringify(job('b')) + '\n',
    );
    const ledger = await ledgers.open();
    expect(ledger.stats).toMatchObject({ records: 2, skippedLines: 1, jobs: 2 });
  });

  it(
    'keeps every put that had resolved when the process was killed (SIGKILL)',
    { timeout: 60_000 },
    async () => {
      const script = join(ledgers.dir, '..', 'writer.mts'); // .mts: ESM outside the project
      const ledgerModule = new URL('../../../main/engine/ledger/ledger.ts', import.meta.url)
        .pathname;
      await writeFile(
        script,
        `import { Ledger } from ${JSON.stringify(ledgerModule)};
const ledger = await Ledger.open(${JSON.stringify(ledgers.dir)});
process.stdout.write('open\\n');
let n = 0;
// Four writers at once, like parallel uploads: each puts a job, then moves it on.
await Promise.all([0, 1, 2, 3].map(async (w) => {
  for (;;) {
    const id = 'w' + w + '-' + n++;
    const base = { id, root: '/r', relPath: id + '.pdf', name: id, target: { kind: 'receipt' },
      attempts: 0, createdAt: Date.now(), updatedAt: Date.now() };
    await ledger.put({ ...base, state: 'queued' });
    process.stdout.write(id + ' queued\\n');
    await ledger.put({ ...base, state: 'uploaded', attempts: 1 });
    process.stdout.write(id + ' uploaded\\n');
  }
}));
`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const acknowledged = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          // Kill mid-stream, once plenty of puts have resolved.
          if ((out.match(/\n/g) ?? []).length > 600) {
            child.kill('SIGKILL');
            resolve(out);
          }
        });
        child.on('exit', (code) => reject(new Error(`writer exited (${code}) early: ${err}`)));
      });
      await new Promise((resolve) => child.once('close', resolve));

      const ledger = await ledgers.open();
      const lines = acknowledged.split('\n').slice(1, -1); // first is "open", last may be partial
      expect(lines.length).toBeGreaterThan(500);
      for (const line of lines) {
        const [id, state] = line.split(' ');
        const saved = ledger.get(id);
        expect(saved, `${id} was acknowledged as ${state}`).toBeDefined();
        if (state === 'uploaded') expect(saved?.state).toBe('uploaded');
      }
      // The dead writer's lock was taken over, not left blocking the data dir.
      expect(JSON.parse(await readFile(join(ledgers.dir, LOCK_FILE), 'utf8')).pid).toBe(
        process.pid,
      );
    },
  );
});
