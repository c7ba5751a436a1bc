import type { Disposition, JobState } from '../types.js';
import type { JobRecord } from './record.js';
import { isSettled } from './record.js';

/**
 * The last job at each path whose file the ledger believes is still there:
 * an unfinished job (its full record, in memory), or a finished one whose
 * file was kept in place (one short string, kept after its record leaves
 * memory). A job whose file was moved, deleted or gone leaves no entry: a
 * file at that path is a new one. So a kept scan, unchanged, is not uploaded
 * again after a restart, however long ago it finished.
 */

/** What the ledger remembers of the last job at a path. */
export interface PathMemory {
  id: string;
  state: JobState;
  size?: number;
  mtimeMs?: number;
  disposition?: Disposition;
  /** Its failure may clear if tried again (a retryable failure's file stays in place). */
  retryable: boolean;
  createdAt: number;
}

/** Newer first: by createdAt, then id (ids made later sort later). */
export function newer(
  a: { createdAt: number; id: string },
  b: { createdAt: number; id: string },
): boolean {
  return a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
}

function memoryOf(record: JobRecord): PathMemory {
  const memory: PathMemory = {
    id: record.id,
    state: record.state,
    retryable: record.error?.retryable === true,
    createdAt: record.createdAt,
  };
  if (record.size !== undefined) memory.size = record.size;
  if (record.mtimeMs !== undefined) memory.mtimeMs = record.mtimeMs;
  if (record.disposition !== undefined) memory.disposition = record.disposition;
  return memory;
}

/** One tab-separated string: id, state, size, mtimeMs, disposition, retryable, createdAt. */
function pack(record: JobRecord): string {
  return [
    record.id,
    record.state,
    record.size ?? '',
    record.mtimeMs ?? '',
    record.disposition ?? '',
    record.error?.retryable === true ? 1 : '',
    record.createdAt,
  ].join('\t');
}

function unpack(packed: string): PathMemory {
  const [id, state, size, mtimeMs, disposition, retryable, createdAt] = packed.split('\t');
  const memory: PathMemory = {
    id,
    state: state as JobState,
    retryable: retryable === '1',
    createdAt: Number(createdAt),
  };
  if (size) memory.size = Number(size);
  if (mtimeMs) memory.mtimeMs = Number(mtimeMs);
  if (disposition) memory.disposition = disposition as Disposition;
  return memory;
}

const SEP = '\u0000';

export class PathIndex {
  /** `${root}\0${relPath}` → the unfinished job(s) there (two while a replaced file's upload ends). */
  private readonly pending = new Map<string, JobRecord | JobRecord[]>();
  /** root → relPath → packed memory of the newest finished job there, when its file stayed. */
  private readonly kept = new Map<string, Map<string, string>>();

  /** `record` replaces `previous` (its last record in memory, if any). */
  update(record: JobRecord, previous: JobRecord | undefined): void {
    if (previous && !isSettled(previous)) this.removePending(previous);
    if (!isSettled(record)) {
      this.addPending(record);
      // A finished job started again (Retry) is found as pending now.
      this.dropKept(record, (holder) => holder.id === record.id);
      return;
    }
    let paths = this.kept.get(record.root);
    const holder = paths?.get(record.relPath);
    if (holder !== undefined) {
      const held = unpack(holder);
      if (held.id !== record.id && newer(held, record)) return;
    }
    if (record.disposition === 'kept') {
      if (!paths) this.kept.set(record.root, (paths = new Map()));
      paths.set(record.relPath, pack(record));
    } else if (holder !== undefined) {
      paths!.delete(record.relPath);
    }
    if (previous && (previous.root !== record.root || previous.relPath !== record.relPath)) {
      this.dropKept(previous, (h) => h.id === record.id);
    }
  }

  /** The newest job at this path whose file is still there, by the ledger's account. */
  last(root: string, relPath: string): { memory: PathMemory; record?: JobRecord } | undefined {
    let best: JobRecord | undefined;
    const pending = this.pending.get(root + SEP + relPath);
    for (const record of Array.isArray(pending) ? pending : pending ? [pending] : []) {
      if (!best || newer(record, best)) best = record;
    }
    const holder = this.kept.get(root)?.get(relPath);
    const kept = holder === undefined ? undefined : unpack(holder);
    if (best && (!kept || newer(best, kept))) return { memory: memoryOf(best), record: best };
    return kept && { memory: kept };
  }

  /** Finished jobs whose file stayed in place (for counting what memory holds). */
  get keptCount(): number {
    let count = 0;
    for (const paths of this.kept.values()) count += paths.size;
    return count;
  }

  private addPending(record: JobRecord): void {
    const key = record.root + SEP + record.relPath;
    const there = this.pending.get(key);
    if (there === undefined) this.pending.set(key, record);
    else if (Array.isArray(there)) there.push(record);
    else this.pending.set(key, [there, record]);
  }

  private removePending(record: JobRecord): void {
    const key = record.root + SEP + record.relPath;
    const there = this.pending.get(key);
    if (there === undefined) return;
    if (!Array.isArray(there)) {
      if (there.id === record.id) this.pending.delete(key);
      return;
    }
    const rest = there.filter((r) => r.id !== record.id);
    if (rest.length === 0) this.pending.delete(key);
    else this.pending.set(key, rest.length === 1 ? rest[0] : rest);
  }

  private dropKept(record: JobRecord, matches: (holder: PathMemory) => boolean): void {
    const paths = this.kept.get(record.root);
    const holder = paths?.get(record.relPath);
    if (holder !== undefined && matches(unpack(holder))) paths!.delete(record.relPath);
  }
}
