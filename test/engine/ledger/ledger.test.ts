import { spawn } from 'node:child_process';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  JOURNAL_FILE,
  Ledger,
  LedgerLockedError,
  LOCK_FILE,
  ledgerDir,
} from '../../../main/engine/ledger/ledger.js';
import type { Job } from '../../../main/engine/types.js';

let dir: string;
const open: Ledger[] = [];

beforeEach(async () => {
  dir = ledgerDir(await mkdtemp(join(tmpdir(), 'concur-drop-ledger-')));
});

afterEach(async () => {
  for (const ledger of open.splice(0)) await ledger.close();
  await rm(join(dir, '..'), { recursive: true, force: true });
});

async function openLedger(options?: { readOnly?: boolean }): Promise<Ledger> {
  const ledger = await Ledger.open(dir, options);
  open.push(ledger);
  return ledger;
}

async function reopen(ledger: Ledger): Promise<Ledger> {
  await ledger.close();
  return openLedger();
}

let created = 1_700_000_000_000;

function job(id: string, extra: Partial<Job> = {}): Job {
  created += 1000;
  return {
    id,
    root: '/scans',
    relPath: `${id}.pdf`,
    name: `${id}.pdf`,
    target: { kind: 'receipt' },
    state: 'queued',
    attempts: 0,
    createdAt: created,
    updatedAt: created,
    ...extra,
  };
}

async function journalLines(): Promise<string[]> {
  return (await readFile(join(dir, JOURNAL_FILE), 'utf8')).split('\n').filter(Boolean);
}

describe('the ledger keeps jobs across restarts', () => {
  it('gives back every job with its latest state after a reopen', async () => {
    let ledger = await openLedger();
    const a = job('a');
    const b = job('b', { target: { kind: 'report', id: 'R1', label: 'Berlin' } });
    await ledger.put(a);
    await ledger.put(b);
    await ledger.put({ ...a, state: 'uploading', attempts: 1 });
    await ledger.put({ ...a, state: 'uploaded', attempts: 1, imageId: 'IMG1' });
    expect(ledger.get('a')).toMatchObject({ state: 'uploaded', imageId: 'IMG1' });

    ledger = await reopen(ledger);
    expect(ledger.get('a')).toEqual({ ...a, state: 'uploaded', attempts: 1, imageId: 'IMG1' });
    expect(ledger.get('b')).toEqual(b);
    expect(ledger.get('nope')).toBeUndefined();
    expect(ledger.stats).toMatchObject({ records: 4, jobs: 2, skippedLines: 0, tornTail: false });
  });

  it('keeps Unicode file and folder names exactly, also from a hand-written UTF-8 line', async () => {
    let ledger = await openLedger();
    const relPath = 'report/Reise nach München [ABC$1]/Quittung 1 – Café 🧾.pdf';
    await ledger.put(job('u', { relPath, name: 'Quittung 1 – Café 🧾.pdf' }));
    await ledger.close();
    // The journal itself is ASCII (fast to read); a line written by something else may not be.
    expect(/^[\x00-\x7f]*$/.test(await readFile(join(dir, JOURNAL_FILE), 'latin1'))).toBe(true);
    await appendFile(
      join(dir, JOURNAL_FILE),
      JSON.stringify(job('raw', { relPath: 'Größe ß.pdf' })) + '\n',
    );
    ledger = await openLedger();
    expect(ledger.get('u')?.relPath).toBe(relPath);
    expect(ledger.findByPath('/scans', relPath)?.id).toBe('u');
    expect(ledger.get('raw')?.relPath).toBe('Größe ß.pdf');
  });

  it('lists jobs newest first and by state', async () => {
    const ledger = await openLedger();
    const older = job('older', { state: 'failed' });
    const newer = job('newer', { state: 'queued' });
    const twin = { ...job('twin', { state: 'waiting' }), createdAt: newer.createdAt };
    await Promise.all([ledger.put(older), ledger.put(newer), ledger.put(twin)]);
    expect(ledger.all().map((j) => j.id)).toEqual(['twin', 'newer', 'older']);
    expect(ledger.inStates(['queued', 'waiting']).map((j) => j.id)).toEqual(['twin', 'newer']);
    await ledger.put({ ...older, state: 'queued' });
    expect(ledger.inStates(['queued']).map((j) => j.id)).toEqual(['newer', 'older']);
    expect((await reopen(ledger)).all().map((j) => j.id)).toEqual(['twin', 'newer', 'older']);
  });

  it('keeps what was put even if the caller changes its object afterwards', async () => {
    const ledger = await openLedger();
    const a = job('a');
    const written = ledger.put(a);
    a.state = 'failed';
    await written;
    expect(ledger.get('a')?.state).toBe('queued');
    expect((await reopen(ledger)).get('a')?.state).toBe('queued');
  });

  it('finds the newest job for a file path', async () => {
    const ledger = await openLedger();
    const first = job('first', { relPath: 'entry/E1/scan.pdf', state: 'failed' });
    const second = job('second', { relPath: 'entry/E1/scan.pdf', state: 'uploaded' });
    await ledger.put(second);
    await ledger.put(first); // an older job written later must not hide the newer one
    expect(ledger.findByPath('/scans', 'entry/E1/scan.pdf')?.id).toBe('second');
    expect(ledger.findByPath('/other', 'entry/E1/scan.pdf')).toBeUndefined();
    expect((await reopen(ledger)).findByPath('/scans', 'entry/E1/scan.pdf')?.id).toBe('second');
  });
});

describe('duplicate detection', () => {
  it('finds an uploaded scan by content and target, also after a restart', async () => {
    let ledger = await openLedger();
    const target = { kind: 'entry' as const, id: 'E1', label: 'Taxi' };
    await ledger.put(job('up', { sha256: 'abc', target, state: 'uploading' }));
    expect(ledger.findUploaded('abc', 'entry:E1')).toBeUndefined();
    await ledger.put({ ...ledger.get('up')!, state: 'uploaded', imageId: 'IMG' });
    expect(ledger.findUploaded('abc', 'entry:E1')?.imageId).toBe('IMG');

    ledger = await reopen(ledger);
    expect(ledger.findUploaded('abc', 'entry:E1')?.id).toBe('up');
    expect(ledger.findUploaded('abc', 'entry:E2')).toBeUndefined();
    expect(ledger.findUploaded('abc', 'receipt')).toBeUndefined();
    expect(ledger.findUploaded('def', 'entry:E1')).toBeUndefined();
  });

  it('does not count failed or duplicate jobs as uploaded', async () => {
    const ledger = await openLedger();
    await ledger.put(job('f', { sha256: 'x', state: 'failed' }));
    await ledger.put(job('d', { sha256: 'x', state: 'duplicate' }));
    expect(ledger.findUploaded('x', 'receipt')).toBeUndefined();
  });
});

describe('surviving crashes', () => {
  it('ignores a torn last line and keeps everything before it', async () => {
    let ledger = await openLedger();
    await ledger.put(job('a'));
    await ledger.put(job('b'));
    await ledger.close();
    const half = JSON.stringify(job('c')).slice(0, 40);
    await appendFile(join(dir, JOURNAL_FILE), half);

    ledger = await openLedger();
    expect(
      ledger
        .all()
        .map((j) => j.id)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(ledger.stats).toMatchObject({ tornTail: true, skippedLines: 0 });
    // New lines must not glue onto the torn one.
    await ledger.put(job('d'));
    ledger = await reopen(ledger);
    expect(
      ledger
        .all()
        .map((j) => j.id)
        .sort(),
    ).toEqual(['a', 'b', 'd']);
    expect(ledger.stats).toMatchObject({ tornTail: false, skippedLines: 0 });
  });

  it('ignores the NUL-filled tail a power cut can leave', async () => {
    let ledger = await openLedger();
    await ledger.put(job('a'));
    await ledger.close();
    await appendFile(join(dir, JOURNAL_FILE), Buffer.alloc(4096));
    ledger = await openLedger();
    expect(ledger.all().map((j) => j.id)).toEqual(['a']);
  });

  it('skips and counts a corrupt line in the middle, keeping a copy of the file', async () => {
    let ledger = await openLedger();
    await ledger.put(job('a'));
    await ledger.close();
    await appendFile(join(dir, JOURNAL_FILE), '{"id": "broken", "sta\n{"no":"job"}\n');
    ledger = await openLedger();
    await ledger.put(job('b'));
    ledger = await reopen(ledger);
    // Written as: a, garbage, non-job, then compacted at the second open.
    expect(
      ledger
        .all()
        .map((j) => j.id)
        .sort(),
    ).toEqual(['a', 'b']);
    const files = await readdir(dir);
    expect(files.some((f) => f.startsWith(`${JOURNAL_FILE}.corrupt-`))).toBe(true);
  });

  it('reports corrupt lines it skipped at open', async () => {
    await Ledger.open(dir).then((l) => l.put(job('a')).then(() => l.close()));
    await appendFile(join(dir, JOURNAL_FILE), 'garbage\n' + JSON.stringify(job('b')) + '\n');
    const ledger = await openLedger();
    expect(ledger.stats).toMatchObject({ records: 2, skippedLines: 1, jobs: 2 });
  });

  it(
    'keeps every put that had resolved when the process was killed (SIGKILL)',
    { timeout: 60_000 },
    async () => {
      const script = join(dir, '..', 'writer.mts'); // .mts: ESM outside the project
      const ledgerModule = new URL('../../../main/engine/ledger/ledger.ts', import.meta.url)
        .pathname;
      await writeFile(
        script,
        `import { Ledger } from ${JSON.stringify(ledgerModule)};
const ledger = await Ledger.open(${JSON.stringify(dir)});
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

      const ledger = await openLedger();
      const lines = acknowledged.split('\n').slice(1, -1); // first is "open", last may be partial
      expect(lines.length).toBeGreaterThan(500);
      for (const line of lines) {
        const [id, state] = line.split(' ');
        const saved = ledger.get(id);
        expect(saved, `${id} was acknowledged as ${state}`).toBeDefined();
        if (state === 'uploaded') expect(saved?.state).toBe('uploaded');
      }
      // The dead writer's lock was taken over, not left blocking the data dir.
      expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    },
  );
});

describe('compaction', () => {
  it('keeps only the latest state of each job and shrinks the file', async () => {
    let ledger = await openLedger();
    for (const id of ['a', 'b', 'c']) {
      const j = job(id);
      for (const state of ['waiting', 'queued', 'uploading', 'uploaded'] as const) {
        await ledger.put({ ...j, state });
      }
    }
    await ledger.close();
    const before = (await stat(join(dir, JOURNAL_FILE))).size;
    expect(await journalLines()).toHaveLength(12);

    ledger = await openLedger();
    expect(ledger.stats).toMatchObject({ records: 12, jobs: 3, compacted: true });
    const lines = await journalLines();
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l).state)).toEqual(['uploaded', 'uploaded', 'uploaded']);
    expect((await stat(join(dir, JOURNAL_FILE))).size).toBeLessThan(before / 3);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves a journal with nothing to drop untouched', async () => {
    let ledger = await openLedger();
    await ledger.put(job('a'));
    ledger = await reopen(ledger);
    expect(ledger.stats.compacted).toBe(false);
  });
});

describe('writing', () => {
  it('writes many parallel puts together in few disk flushes', async () => {
    const ledger = await openLedger();
    await Promise.all(Array.from({ length: 200 }, (_, i) => ledger.put(job(`p${i}`))));
    expect(ledger.commits).toBeGreaterThan(0);
    expect(ledger.commits).toBeLessThan(100);
    expect(await journalLines()).toHaveLength(200);
  });

  it('refuses puts after close and puts that are not jobs', async () => {
    const ledger = await openLedger();
    await expect(ledger.put({ id: 'x' } as Job)).rejects.toThrow(/Not a job/);
    await ledger.close();
    await expect(ledger.put(job('late'))).rejects.toThrow(/closed/);
  });
});

describe('one process at a time', () => {
  it('refuses a second open while the ledger is open, naming the owner', async () => {
    await openLedger();
    const second = Ledger.open(dir);
    await expect(second).rejects.toBeInstanceOf(LedgerLockedError);
    await expect(Ledger.open(dir)).rejects.toThrow(`in use by process ${process.pid}`);
  });

  it('refuses while another live process holds the lock', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await waitFor(() => other.pid !== undefined);
      await writeLock({ pid: other.pid, host: hostname(), since: 'x' });
      await expect(Ledger.open(dir)).rejects.toThrow(`process ${other.pid}`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that died', async () => {
    const other = spawn(process.execPath, ['-e', '']);
    const pid = other.pid;
    await new Promise((resolve) => other.once('exit', resolve));
    await writeLock({ pid, host: hostname(), since: 'x' });
    const ledger = await openLedger();
    expect(ledger.all()).toEqual([]);
  });

  it('takes over a lock whose heartbeat stopped long ago (pid reused after a reboot)', async () => {
    const lock = await writeLock({ pid: process.ppid, host: hostname(), since: 'x' });
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(lock, hourAgo, hourAgo);
    await openLedger();
  });

  it('lets status read a ledger another process has open', async () => {
    const writer = await openLedger();
    await writer.put(job('a'));
    const reader = await openLedger({ readOnly: true });
    expect(reader.get('a')?.state).toBe('queued');
    await expect(reader.put(job('b'))).rejects.toThrow(/read-only/);
  });

  it('frees the lock on close for the next process', async () => {
    const first = await Ledger.open(dir);
    await first.close();
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
    await openLedger();
  });
});

async function writeLock(info: object): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, LOCK_FILE), JSON.stringify(info));
  return join(dir, LOCK_FILE);
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
