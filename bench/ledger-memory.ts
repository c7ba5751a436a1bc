import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_FILE, Ledger, ledgerDir } from '../main/engine/ledger/ledger.js';
import type { Job, JobState, Phase } from '../main/engine/types.js';
import { oldScans, writeLedger } from './ledger-records.js';
import { mb, withTempDir } from './lib.js';

/**
 * The ledger alone, at scale (issue 7, "Memory is bounded"): heap and RSS
 * after 20,000 jobs went through their life (5 puts each, 4 at once, as
 * uploads finish), against a ledger that keeps every record; the journal's
 * size after; the slowest put (a compaction holds puts while it replaces the
 * file); and the open time of a 100,000-record journal, as version 2 and as
 * version 1 (migrated and rewritten at that open).
 *
 *   node --expose-gc --import tsx bench/ledger-memory.ts [--jobs N] [--keep N] [--only jobs|open]
 *
 * One process per figure gives clean RSS readings (e.g. --only jobs --keep Infinity).
 */

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const JOBS = Number(arg('--jobs') ?? 20_000);
const KEEP = Number(arg('--keep') ?? 1000);
const ONLY = arg('--only');

function settle(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage();
}

const LIFE: [JobState, Phase][] = [
  ['waiting', 'settling'],
  ['queued', 'queued'],
  ['uploading', 'uploading'],
  ['uploaded', 'done'],
];

async function lifeOf(
  ledger: Ledger,
  i: number,
  root: string,
  slowest: { ms: number },
): Promise<void> {
  const now = Date.now();
  const relPath = `2026/11/${i % 7 === 0 ? 'entry/Taxi [E' + i + ']/' : ''}scan-${i}.pdf`;
  const base: Job & { v: 2 } = {
    v: 2,
    id: randomUUID(),
    root,
    relPath,
    name: `scan-${i}.pdf`,
    target: i % 7 === 0 ? { kind: 'entry', id: `E${i}`, label: 'Taxi' } : { kind: 'receipt' },
    state: 'waiting',
    detail: 'checking the file',
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
  let job: Job = base;
  const put = async (next: Job) => {
    const started = performance.now();
    await ledger.put(next);
    slowest.ms = Math.max(slowest.ms, performance.now() - started);
    job = next;
  };
  for (const [state, phase] of LIFE) {
    const sha256 = (i.toString(16) + 'a'.repeat(64)).slice(0, 64);
    const inspected =
      state === 'waiting'
        ? {}
        : {
            sha256,
            size: 120_000 + i,
            mtimeMs: now - 5000,
            contentType: 'application/pdf' as const,
          };
    const extra =
      state === 'uploading'
        ? { attempts: 1, detail: 'sending' }
        : state === 'uploaded'
          ? { imageId: `IMG${sha256.slice(0, 30)}`, finishedAt: Date.now(), detail: undefined }
          : {};
    await put({ ...job, ...inspected, ...extra, state, phase, updatedAt: Date.now() });
  }
  await put({
    ...job,
    finalPath: `${root}/Uploaded/${relPath}`,
    disposition: 'moved',
    updatedAt: Date.now(),
  });
}

async function runJobs(keepFinished: number): Promise<void> {
  await withTempDir('ledger-memory', async (dir) => {
    const before = settle();
    const started = performance.now();
    const ledger = await Ledger.open(ledgerDir(dir), { keepFinished });
    const slowest = { ms: 0 };
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < JOBS) await lifeOf(ledger, next++, join(dir, 'Scans'), slowest);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const after = settle();
    const { journalBytes, compactions, inMemory } = ledger.stats;
    // What a restart then reads: the same answers from a fresh open of this journal.
    const reopenStarted = performance.now();
    const again = await Ledger.open(ledgerDir(dir), { readOnly: true, keepFinished: 1000 });
    const reopenMs = performance.now() - reopenStarted;
    const countsMatch = JSON.stringify(again.counts()) === JSON.stringify(ledger.counts());
    await again.close();
    await ledger.close();
    const file = (await stat(join(ledgerDir(dir), JOURNAL_FILE))).size;
    console.log(
      `${JOBS.toLocaleString('en')} jobs × 5 puts, keepFinished ${keepFinished}: heap +${mb(after.heapUsed - before.heapUsed)}, RSS +${mb(after.rss - before.rss)} (RSS ${mb(after.rss)}, buffers ${mb(after.arrayBuffers)}, peak ${mb(process.resourceUsage().maxRSS * 1024)}), ` +
        `${inMemory} records in memory, journal ${mb(file)} (${(file / JOBS).toFixed(0)} B per job, ${journalBytes === file ? 'as tracked' : 'MISMATCH'}), ` +
        `${compactions} compactions, slowest put ${slowest.ms.toFixed(0)} ms, ${((JOBS * 5) / seconds).toFixed(0)} puts/s; ` +
        `read back in ${reopenMs.toFixed(0)} ms, counts ${countsMatch ? 'equal' : 'DIFFER'}`,
    );
  });
}

async function openTime(version: 1 | 2): Promise<void> {
  await withTempDir('ledger-open', async (dir) => {
    const records = 100_000;
    await writeLedger(dir, oldScans(dir, records), version);
    const size = (await stat(join(ledgerDir(dir), JOURNAL_FILE))).size;
    const before = settle();
    const ledger = await Ledger.open(ledgerDir(dir));
    const after = settle();
    console.log(
      `open ${records.toLocaleString('en')} records, version ${version} (${mb(size)}): ${ledger.stats.openMs} ms` +
        `${ledger.stats.compacted ? ', migrated and rewritten' : ''}; heap +${mb(after.heapUsed - before.heapUsed)} after open`,
    );
    await ledger.close();
  });
}

if (!(globalThis as { gc?: unknown }).gc)
  console.log('(run with node --expose-gc for settled heap figures)');
if (ONLY !== 'open') await runJobs(KEEP);
if (ONLY !== 'jobs') {
  await openTime(2);
  await openTime(1);
}
