import type { Clock } from '../ports.js';
import { checkCompleteness, describeKind, NotAFileError } from '../inspect/inspect.js';
import { errorCode, type EntryKind, type FileSystem } from '../ports/file-system.js';
import { nodeFileSystem } from '../ports/node-file-system.js';
import { Limiter } from '../queue/limiter.js';

/**
 * When is a scan ready (docs/architecture.md#from-file-to-concur)? Scanners write slowly and sometimes in
 * place, so a file is ready when its size and mtime have not moved for
 * `settleMs` and its structure is complete (PDF `%%EOF`, JPEG `FF D9`, PNG
 * `IEND`). A complete file goes as soon as it is stable; an incomplete one
 * waits ("waiting for the scanner") until `maxWaitMs` after its last change.
 * Every change event re-checks at once and a timer fires exactly when the
 * settle time is up, so a finished scan is released within a few ms of
 * `settleMs` rather than on a coarse poll.
 */

export type ReadinessVerdict =
  /** `whole`: the file as the last look read it, when it was small (see checkCompleteness). */
  | { kind: 'ready'; size: number; mtimeMs: number; whole?: Buffer }
  /** Stable but structurally incomplete: said once per stretch of waiting. */
  | { kind: 'incomplete'; size: number; mtimeMs: number }
  | { kind: 'timed-out'; size: number; mtimeMs: number; waitedMs: number }
  | { kind: 'gone' }
  | { kind: 'not-a-file'; reason: string; link?: boolean; entry?: EntryKind }
  /**
   * It cannot be read: permission denied, or held open by another program for longer than
   * maxWaitMs, or (`unexpected`) looking at it failed some other way several times in a row.
   */
  | { kind: 'unreadable'; code: string; size?: number; mtimeMs?: number; unexpected?: boolean };

export interface ReadinessOptions {
  settleMs: number;
  maxWaitMs: number;
  clock: Clock;
  /** Every verdict but 'incomplete' ends tracking of that key. */
  onVerdict: (key: string, verdict: ReadinessVerdict) => void;
  /** Told when a check failed unexpectedly (kept tracking; re-checked later). */
  onError?: (key: string, error: unknown) => void;
  fs?: FileSystem;
}

/** A program holding the file open (a scanner on Windows): wait for it, up to maxWaitMs. */
const HELD_OPEN = new Set(['EBUSY', 'EPERM']);
/** Permission denied this many looks in a row: it will not go by itself. */
const DENIED_LOOKS = 3;
/**
 * Any other failure this many looks in a row (an I/O error, a name the disk refuses, a fault of
 * our own): the file fails visibly, rather than waiting for ever with the reason only in the log.
 */
const FAILED_LOOKS = 5;

/** How often a stable but incomplete file is looked at again (scanners that append without events). */
const INCOMPLETE_RECHECK_MS = 500;

interface Entry {
  path: string;
  size: number;
  mtimeMs: number;
  changedAt: number;
  timer: unknown;
  busy: boolean;
  again: boolean;
  toldIncomplete: boolean;
  denied: number;
  /** Looks in a row that failed in an unexpected way. */
  failed: number;
  firstSeenAt: number;
  /** Looked at once already: later looks stat the path first. */
  looked: boolean;
}

/** Tracks files until each is ready, timed out, gone or found not to be a file. */
export class Readiness {
  private readonly entries = new Map<string, Entry>();
  /** Files opened at once for the structure check: a backlog at start must not run out of handles. */
  private readonly opens = new Limiter(16);

  constructor(private options: ReadinessOptions) {}

  /** New settle/max-wait times apply from the next check. */
  configure(settleMs: number, maxWaitMs: number): void {
    this.options = { ...this.options, settleMs, maxWaitMs };
  }

  /** Starts tracking `key` (or re-checks it now if already tracked: a change event). */
  track(key: string, path: string): void {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        path,
        size: -1,
        mtimeMs: -1,
        changedAt: this.options.clock.now(),
        timer: undefined,
        busy: false,
        again: false,
        toldIncomplete: false,
        denied: 0,
        failed: 0,
        firstSeenAt: this.options.clock.now(),
        looked: false,
      };
      this.entries.set(key, entry);
    }
    entry.path = path;
    this.schedule(key, entry, 0);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }

  forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.options.clock.clearTimeout(entry.timer);
    this.entries.delete(key);
  }

  stop(): void {
    for (const key of [...this.entries.keys()]) this.forget(key);
  }

  private schedule(key: string, entry: Entry, ms: number): void {
    this.options.clock.clearTimeout(entry.timer);
    entry.timer = this.options.clock.setTimeout(() => void this.check(key, entry), Math.max(0, ms));
  }

  private settle(key: string, entry: Entry, verdict: ReadinessVerdict): void {
    this.forget(key);
    this.options.onVerdict(key, verdict);
  }

  private async check(key: string, entry: Entry): Promise<void> {
    if (this.entries.get(key) !== entry) return;
    if (entry.busy) {
      entry.again = true;
      return;
    }
    entry.busy = true;
    try {
      await this.look(key, entry);
    } catch (err) {
      if (this.entries.get(key) !== entry) return;
      // A locked or unreadable file (a scanner holding it open on Windows): look again later,
      // but not for ever: a file no one may read fails with that reason.
      const code = errorCode(err) ?? '';
      const now = this.options.clock.now();
      const expected = code === 'EACCES' || HELD_OPEN.has(code);
      if (code === 'EACCES') entry.denied++;
      if (!expected) entry.failed++;
      if (
        entry.denied >= DENIED_LOOKS ||
        entry.failed >= FAILED_LOOKS ||
        (HELD_OPEN.has(code) && now - entry.firstSeenAt >= this.options.maxWaitMs)
      )
        return this.settle(key, entry, {
          kind: 'unreadable',
          code: code || 'unknown',
          // The version that could not be read, when a stat got that far: a rescan then knows it.
          ...(entry.size >= 0 && { size: entry.size, mtimeMs: entry.mtimeMs }),
          ...(!expected && { unexpected: true }),
        });
      this.options.onError?.(key, err);
      this.schedule(key, entry, this.options.settleMs || 100);
    } finally {
      entry.busy = false;
      if (entry.again && this.entries.get(key) === entry) {
        entry.again = false;
        this.schedule(key, entry, 0);
      }
    }
  }

  private async look(key: string, entry: Entry): Promise<void> {
    const { settleMs, maxWaitMs, clock } = this.options;
    const fs = this.options.fs ?? nodeFileSystem;
    // With no settle time a first look is the structure check alone: it stats the open file
    // anyway, and a stat of the path before it cost one more system call per file. A file
    // that could not be opened is stat'ed on later looks, so its failure names its version.
    const firstLook = settleMs === 0 && !entry.looked;
    entry.looked = true;
    if (!firstLook) {
      let st;
      try {
        st = await fs.lstat(entry.path);
      } catch (err) {
        if (isGone(err)) return this.settle(key, entry, { kind: 'gone' });
        throw err;
      }
      if (this.entries.get(key) !== entry) return;
      if (st.kind !== 'file')
        return this.settle(key, entry, {
          kind: 'not-a-file',
          reason: kindOf(st.kind),
          link: st.kind === 'link',
          entry: st.kind,
        });
      const now = clock.now();
      if (this.changed(entry, st.size, st.mtimeMs, now) && settleMs > 0)
        return this.schedule(key, entry, settleMs);
      const quiet = now - entry.changedAt;
      if (quiet < settleMs) return this.schedule(key, entry, settleMs - quiet);
    }

    let result;
    try {
      result = await this.opens.run(() => checkCompleteness(entry.path, fs));
    } catch (err) {
      if (err instanceof NotAFileError)
        return this.settle(key, entry, {
          kind: 'not-a-file',
          reason: err.message,
          link: err.kind === 'link',
          entry: err.kind,
        });
      if (isGone(err)) return this.settle(key, entry, { kind: 'gone' });
      throw err;
    }
    if (this.entries.get(key) !== entry) return;
    entry.denied = 0;
    entry.failed = 0;
    const at = clock.now();
    if (this.changed(entry, result.size, result.mtimeMs, at) && !firstLook)
      return this.schedule(key, entry, settleMs);
    if (result.completeness !== 'incomplete') {
      // 'unknown-type' is ready too: inspection then names what is wrong with it (GIF, text…).
      return this.settle(key, entry, {
        kind: 'ready',
        size: result.size,
        mtimeMs: result.mtimeMs,
        ...(result.whole && { whole: result.whole }),
      });
    }
    const waited = at - entry.changedAt;
    if (waited >= maxWaitMs)
      return this.settle(key, entry, {
        kind: 'timed-out',
        size: result.size,
        mtimeMs: result.mtimeMs,
        waitedMs: waited,
      });
    if (!entry.toldIncomplete) {
      entry.toldIncomplete = true;
      this.options.onVerdict(key, {
        kind: 'incomplete',
        size: result.size,
        mtimeMs: result.mtimeMs,
      });
    }
    this.schedule(key, entry, Math.min(INCOMPLETE_RECHECK_MS, maxWaitMs - waited));
  }

  /** Records a new size/mtime; true when it moved since the last look. */
  private changed(entry: Entry, size: number, mtimeMs: number, now: number): boolean {
    if (size === entry.size && mtimeMs === entry.mtimeMs) return false;
    entry.size = size;
    entry.mtimeMs = mtimeMs;
    entry.changedAt = now;
    entry.toldIncomplete = false;
    return true;
  }
}

function isGone(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function kindOf(kind: string): string {
  if (kind === 'link') return describeKind('link');
  if (kind === 'dir') return 'a folder, not a file';
  return `${describeKind(kind as 'pipe')}, not a file`;
}
