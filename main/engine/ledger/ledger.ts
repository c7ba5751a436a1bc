import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createLogger } from '../log/logger.js';
import { errorCode } from '../ports/file-system.js';
import type { JournalStore } from '../ports/journal-store.js';
import type { Job, JobState } from '../types.js';
import { FileJournalStore } from './file-journal-store.js';
import { History, type UploadedMemory } from './history.js';
import { keptLines, scanJournal, toJournalLine } from './journal.js';
import { JournalLines } from './journal-lines.js';
import { JournalWriter } from './journal-writer.js';
import { LedgerLock } from './lock.js';
import { legacyDetail } from './migrate.js';
import { newer, PathIndex, type PathMemory } from './path-index.js';
import { isJob, isSettled, toRecord, type JobRecord } from './record.js';

export { LedgerLockedError } from './lock.js';
export type { JobRecord } from './record.js';
export type { PathMemory } from './path-index.js';
export type { UploadedMemory } from './history.js';

/**
 * The durable record of every job (docs/architecture.md#the-ledger): each change is appended to
 * the journal and synced before the engine acts on it, so a crash loses no
 * file and repeats at most the uploads in flight.
 *
 * Memory stays bounded however long the history: unfinished jobs and the
 * newest finished ones are kept as full records; of older ones only compact
 * indexes remain (state counts, dedupe, entries that hold their image, files
 * kept in place). The journal keeps one line per job after a compaction,
 * done in the background once superseded lines outweigh the live ones.
 */

const log = createLogger('ledger');

/** The journal's file name inside the ledger folder. */
export const JOURNAL_FILE = 'jobs.jsonl';
/** The lock file that keeps a second process from writing the same ledger. */
export const LOCK_FILE = 'ledger.lock';

/** The ledger folder inside a data dir: `<dataDir>/ledger`. */
/** Write errors of a disk that is full (or gone read-only): they pass once space is freed. */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);

export function ledgerDir(dataDir: string): string {
  return join(dataDir, 'ledger');
}

export interface LedgerOptions {
  /** Read the journal without locking or writing it: for `status` while the app runs. */
  readOnly?: boolean;
  /** Finished jobs kept in memory as full records, newest first; default 1,000 (every one when read-only). */
  keepFinished?: number;
  /** Compact when superseded lines exceed this many times the jobs in the journal; default 1. */
  compactRatio?: number;
  /** …and at least this many lines; default 1,000. */
  compactMinLines?: number;
  /** Compact in the background when due (default); false: only when compact() is called. */
  autoCompact?: boolean;
  /** The time (epoch ms) for "uploaded since"; default Date.now. */
  now?: () => number;
}

export interface LedgerStats {
  /** Job snapshots read at open (lines in the journal, before compaction). */
  records: number;
  /** Corrupt lines skipped at open (not counting a torn last line). */
  skippedLines: number;
  /** Records in version 1 migrated at open. */
  migrated: number;
  /** A torn last line (a crash mid-write) was dropped at open. */
  tornTail: boolean;
  /** The journal was rewritten at open. */
  compacted: boolean;
  /** Milliseconds the open took, compaction included. */
  openMs: number;
  /** Distinct jobs the ledger knows. */
  jobs: number;
  /** Full records in memory. */
  inMemory: number;
  /** Lines and bytes in the journal now. */
  journalLines: number;
  journalBytes: number;
  /** Compactions while running. */
  compactions: number;
}

type OpenStats = Pick<
  LedgerStats,
  'records' | 'skippedLines' | 'migrated' | 'tornTail' | 'compacted' | 'openMs'
>;

interface Extras {
  dir?: string;
  lock?: LedgerLock | null;
  /** Keeps a copy of a journal with corrupt lines before they are dropped. */
  backup?: () => Promise<void>;
}

export class Ledger {
  /** Unfinished jobs, and finished ones whose file is still to be dealt with. */
  private readonly pending = new Map<string, JobRecord>();
  /** Finished jobs, least recently put first; the oldest leave memory beyond keepFinished. */
  private readonly settled = new Map<string, JobRecord>();
  private readonly lines = new JournalLines();
  private readonly history: History;
  private readonly paths = new PathIndex();
  /** Most jobs share a handful of roots: one string each. */
  private readonly roots = new Map<string, string>();
  /** Ids in memory, newest first; rebuilt when one comes or goes. */
  private order: string[] | null = null;
  private writer: JournalWriter | null = null;
  /** Bytes durably in the journal. */
  private bytes = 0;
  /** Lines that landed while a compaction runs: they follow its output. */
  private tail: string[] | null = null;
  private compaction: Promise<void> | null = null;
  /** After a failed compaction, the next waits for this many superseded lines. */
  private retryCompactionAt = 0;
  private compactions = 0;
  /**
   * The journal still holds lines the bookkeeping does not count (corrupt,
   * blank, version 1) because the disk was full at open: compaction parses.
   */
  private unclean = false;
  private closed = false;
  private readonly keepFinished: number;
  private openStats: OpenStats = {
    records: 0,
    skippedLines: 0,
    migrated: 0,
    tornTail: false,
    compacted: false,
    openMs: 0,
  };

  private constructor(
    private readonly store: JournalStore,
    private readonly options: LedgerOptions,
    private readonly extras: Extras,
  ) {
    this.keepFinished = options.keepFinished ?? (options.readOnly ? Infinity : 1000);
    this.history = new History(options.now ?? Date.now);
  }

  /** The ledger folder, when opened from one. */
  get dir(): string | undefined {
    return this.extras.dir;
  }

  /**
   * Opens the ledger in `dir` (the ledger folder, see ledgerDir), creating it,
   * over a journal file. Throws LedgerLockedError when another live process
   * has it open.
   */
  static async open(dir: string, options: LedgerOptions = {}): Promise<Ledger> {
    // `status` reading a data dir that has no ledger yet should not create one.
    if (!options.readOnly) await mkdir(dir, { recursive: true });
    const lock = options.readOnly ? null : await LedgerLock.acquire(join(dir, LOCK_FILE));
    try {
      const journal = join(dir, JOURNAL_FILE);
      // Never lose records in silence: keep the file as it was for whoever investigates.
      const backup = () => copyFile(journal, `${journal}.corrupt-${Date.now()}`);
      return await Ledger.start(new FileJournalStore(journal), options, { dir, lock, backup });
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }

  /** Opens the ledger over any journal store (the simulator's); no lock is taken. */
  static openStore(store: JournalStore, options: LedgerOptions = {}): Promise<Ledger> {
    return Ledger.start(store, options, {});
  }

  /**
   * Reads the journal: drops a torn last line, skips and counts corrupt
   * lines, migrates version-1 records; rewrites it when any of those
   * happened or superseded lines are due for compaction.
   */
  private static async start(
    store: JournalStore,
    options: LedgerOptions,
    extras: Extras,
  ): Promise<Ledger> {
    const started = performance.now();
    const ledger = new Ledger(store, options, extras);
    const data = await store.read();
    let notJobs = 0;
    let migrated = 0;
    const scan = scanJournal(data, (raw) => {
      if (!isJob(raw)) {
        notJobs++;
        return;
      }
      const record = toRecord(raw);
      if (record !== raw) migrated++;
      const n = ledger.lines.numberOf(record.id);
      ledger.apply(record, n);
      ledger.lines.landed(n);
    });
    ledger.bytes = data.length;
    const skippedLines = scan.corruptLines + notJobs;
    if (skippedLines > 0) log.warn('skipped corrupt ledger lines', { skippedLines });
    if (scan.tornTail) log.info('dropped a torn last ledger line (an earlier crash)');
    if (migrated > 0) log.info('migrated ledger records to version 2', { migrated });
    const unclean = skippedLines > 0 || scan.tornTail || scan.blankLines > 0 || migrated > 0;
    let compact = !options.readOnly && (unclean || ledger.compactionDue());
    if (compact) {
      const keep = ledger.lines.keptAmong(ledger.lines.count);
      const out = unclean ? rewrite(data, keep) : keptLines(data, data.length, keep);
      try {
        if (skippedLines > 0) await extras.backup?.();
        await store.replace(out);
        ledger.lines.compacted(keep);
        ledger.bytes = lengthOf(out);
        log.info('compacted the ledger', {
          before: data.length,
          after: ledger.bytes,
          jobs: ledger.lines.jobCount,
        });
      } catch (error) {
        // A full disk must not stop the engine from starting (it then says the disk is full):
        // every record still reads as it is. Only a torn tail would spoil the next append, and
        // cutting it off needs no space. Later compactions parse what they keep.
        if (!DISK_FULL.has(errorCode(error) ?? '')) throw error;
        if (scan.tornTail) {
          await store.truncate(scan.wholeBytes);
          ledger.bytes = scan.wholeBytes;
        }
        ledger.unclean = unclean;
        log.warn('could not compact the ledger at open; it is compacted later', { error });
        compact = false;
      }
    }
    if (!options.readOnly) {
      ledger.writer = new JournalWriter(store, (line, n) => ledger.landed(line, n));
    }
    ledger.openStats = {
      records: scan.records,
      skippedLines,
      migrated,
      tornTail: scan.tornTail,
      compacted: compact,
      openMs: Math.round(performance.now() - started),
    };
    return ledger;
  }

  /**
   * Records the job and resolves once it is durable: the engine awaits this
   * before acting. Concurrent puts share one write and sync. Memory holds the
   * job at once (get() sees it before the write lands). A put that rejects
   * (disk full) left nothing in the journal; putting again later writes it.
   */
  put(job: Job): Promise<void> {
    if (!isJob(job)) {
      return Promise.reject(
        new Error('Not a job: id, state, root, relPath and createdAt are required.'),
      );
    }
    // What is kept is a copy of what goes to disk, so a caller mutating its object changes neither.
    return this.keep(JSON.parse(toJournalLine(job)) as Job, 'disk');
  }

  /**
   * put() for a job the caller hands over and never touches again (the job
   * book's own copy): no copy is made. `memory`: the record is only kept in
   * memory, for a job whose file, found again after a crash, would start the
   * same job anew (docs/architecture.md#the-ledger); its next record on disk
   * replaces it.
   */
  keep(job: Job, where: 'disk' | 'memory'): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The ledger is closed.'));
    if (!this.writer) return Promise.reject(new Error('The ledger was opened read-only.'));
    const record = toRecord(job);
    const n = this.lines.numberOf(record.id);
    this.apply(record, n);
    if (where === 'memory') return Promise.resolve();
    const written = this.writer.append(toJournalLine(record), n);
    if (this.options.autoCompact !== false && this.compactionDue()) void this.compact();
    return written;
  }

  /** A line is durable: the journal's bookkeeping follows. */
  private landed(line: string, n: number): void {
    this.lines.landed(n);
    this.bytes += line.length;
    this.tail?.push(line);
  }

  /** Brings memory and the indexes to `record` (job number `n`). */
  private apply(record: JobRecord, n: number): void {
    const root = this.roots.get(record.root);
    if (root === undefined) this.roots.set(record.root, record.root);
    else record.root = root;
    const previous = this.pending.get(record.id) ?? this.settled.get(record.id);
    this.history.record(n, record, previous);
    this.paths.update(record, previous);
    if (!previous || previous.createdAt !== record.createdAt) this.order = null;
    if (isSettled(record)) {
      this.pending.delete(record.id);
      // Re-inserted: the map's order is the order jobs were last put in.
      this.settled.delete(record.id);
      this.settled.set(record.id, record);
      if (this.settled.size > this.keepFinished) this.evict();
    } else {
      this.settled.delete(record.id);
      this.pending.set(record.id, record);
    }
  }

  /** The oldest finished records leave memory; the indexes keep what is needed of them. */
  private evict(): void {
    for (const id of this.settled.keys()) {
      if (this.settled.size <= this.keepFinished) break;
      this.settled.delete(id);
    }
    this.order = null;
  }

  private compactionDue(): boolean {
    const superseded = this.lines.superseded;
    const ratio = this.options.compactRatio ?? 1;
    const least = this.options.compactMinLines ?? 1000;
    return (
      this.compaction === null &&
      superseded > Math.max(least, ratio * this.lines.jobCount) &&
      superseded >= this.retryCompactionAt
    );
  }

  /**
   * Rewrites the journal with one line per job, atomically. Reading and
   * selecting run while puts go on; only the replace itself holds new puts
   * back, and what was put meanwhile is written after the compacted lines.
   */
  compact(): Promise<void> {
    if (!this.writer || this.closed) return Promise.resolve();
    this.compaction ??= this.compactNow().finally(() => (this.compaction = null));
    return this.compaction;
  }

  private async compactNow(): Promise<void> {
    const writer = this.writer!;
    const upTo = this.lines.count;
    const upToBytes = this.bytes;
    this.tail = [];
    try {
      const data = await this.store.read();
      if (this.closed) return;
      const keep = this.lines.keptAmong(upTo);
      const kept = this.unclean
        ? rewrite(data.subarray(0, upToBytes), keep)
        : keptLines(data, upToBytes, keep);
      const before = this.bytes;
      await writer.hold(async () => {
        const out = [...kept, Buffer.from(this.tail!.join(''), 'latin1')];
        await this.store.replace(out);
        this.lines.compacted(keep);
        this.bytes = lengthOf(out);
        this.unclean = false;
      });
      this.compactions++;
      log.info('compacted the ledger while running', { before, after: this.bytes });
    } catch (error) {
      // The journal is as it was (the replace is atomic); try again after as much again.
      this.retryCompactionAt = this.lines.superseded * 2;
      log.warn('could not compact the ledger', { error });
    } finally {
      this.tail = null;
    }
  }

  /** The job's record, while it is in memory (unfinished, or among the newest finished). Treat it as read-only. */
  get(id: string): JobRecord | undefined {
    return this.pending.get(id) ?? this.settled.get(id);
  }

  /**
   * Jobs in memory, newest first (by createdAt, then id), at most `limit`, those `filter`
   * accepts. A failure a later upload replaced is not listed.
   */
  recent(limit = Infinity, filter?: (record: JobRecord) => boolean): JobRecord[] {
    this.order ??= [...this.pending.values(), ...this.settled.values()]
      .sort(newestFirst)
      .map((r) => r.id);
    const jobs: JobRecord[] = [];
    for (const id of this.order) {
      if (jobs.length >= limit) break;
      const record = this.get(id)!;
      if (!record.replacedBy && (!filter || filter(record))) jobs.push(record);
    }
    return jobs;
  }

  /** Jobs not done, and done jobs whose file is still to be dealt with: what to resume at start. Newest first. */
  unfinished(): JobRecord[] {
    return [...this.pending.values()].sort(newestFirst);
  }

  /** The first upload of this content to this target (dedupe; survives restarts and eviction). */
  findUploaded(sha256: string, key: string): UploadedMemory | undefined {
    return this.history.findUploaded(sha256, key);
  }

  /** The newest job at this path whose file is still there by the ledger's account (see PathIndex). */
  lastAtPath(root: string, relPath: string): PathMemory | undefined {
    return this.paths.last(root, relPath)?.memory;
  }

  /** Whether this entry or invoice (by target key) holds its one image already. */
  imaged(key: string): boolean {
    return this.history.imaged(key);
  }

  /** Jobs per state, over the whole history. */
  counts(): Record<JobState, number> {
    return this.history.counts();
  }

  /** Uploads (not duplicates) finished since `since` (epoch ms, within the last two days). */
  uploadedSince(since: number): number {
    return this.history.uploadedSince(since);
  }

  get stats(): LedgerStats {
    return {
      ...this.openStats,
      jobs: this.lines.jobCount,
      inMemory: this.pending.size + this.settled.size,
      journalLines: this.lines.count,
      journalBytes: this.bytes,
      compactions: this.compactions,
    };
  }

  /** Disk flushes (write+sync rounds) since open; concurrent puts share one. */
  get commits(): number {
    return this.writer?.commits ?? 0;
  }

  // The engine of today reads the ledger through these; the lifecycle engine uses the ones above.

  /** Every job in memory, newest first. */
  all(): JobRecord[] {
    return this.recent();
  }

  /** Every job in memory, in no set order. */
  values(): IterableIterator<JobRecord> {
    return [...this.pending.values(), ...this.settled.values()].values();
  }

  /** Jobs in memory in any of these states, newest first. */
  inStates(states: readonly JobState[]): JobRecord[] {
    const wanted = new Set(states);
    return this.recent(Infinity, (r) => wanted.has(r.state));
  }

  /** lastAtPath as a whole job: the record when in memory, else one rebuilt from what the index keeps. */
  findByPath(root: string, relPath: string): Job | undefined {
    const last = this.paths.last(root, relPath);
    if (!last) return undefined;
    const { memory } = last;
    const record = last.record ?? this.get(memory.id);
    if (record) return record;
    const job: Job = {
      id: memory.id,
      root,
      relPath,
      name: basename(relPath),
      target: null,
      state: memory.state,
      phase: 'done',
      attempts: 0,
      createdAt: memory.createdAt,
      updatedAt: memory.createdAt,
    };
    if (memory.size !== undefined) job.size = memory.size;
    if (memory.mtimeMs !== undefined) job.mtimeMs = memory.mtimeMs;
    if (memory.disposition !== undefined) job.disposition = memory.disposition;
    const detail = legacyDetail(memory.state, memory.disposition);
    if (detail !== undefined) job.detail = detail;
    if (memory.state === 'failed') job.error = { reason: '', retryable: memory.retryable };
    return job;
  }

  /** Waits for pending writes (and a compaction under way), closes the journal and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.compaction;
      await this.writer?.close();
      await this.store.close();
    } finally {
      await this.extras.lock?.release();
    }
  }
}

function newestFirst(a: JobRecord, b: JobRecord): number {
  return newer(a, b) ? -1 : newer(b, a) ? 1 : 0;
}

/** The journal with only the `keep` records, each migrated one written anew. */
function rewrite(data: Uint8Array, keep: Uint8Array): Buffer[] {
  const parts: Buffer[] = [];
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let line = 0;
  scanJournal(data, (raw, start, end) => {
    if (!isJob(raw)) return;
    if (keep[line++]) {
      const record = toRecord(raw);
      parts.push(
        record === raw
          ? buffer.subarray(start, end + 1)
          : Buffer.from(toJournalLine(record), 'latin1'),
      );
    }
  });
  return parts;
}

function lengthOf(parts: readonly Uint8Array[]): number {
  return parts.reduce((sum, part) => sum + part.length, 0);
}
