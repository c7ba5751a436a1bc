import { isAscii } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The ledger's file: one JSON record per line, appended and flushed to disk
 * before the engine acts (DESIGN §4). Only whole lines ending in '\n' count;
 * what a crash leaves after the last '\n' is a torn write and is dropped.
 *
 * Lines are written as pure ASCII (JSON \u escapes for anything else), because
 * decoding UTF-8 dominated the start time of a big ledger: ASCII reads as
 * latin1, several times faster. Lines with other bytes (an older or hand-edited
 * file) are still decoded as UTF-8.
 */

/** A record as one journal line: JSON, ASCII only, ending in '\n'. */
export function toJournalLine(record: unknown): string {
  return (
    JSON.stringify(record).replace(
      /[\u007f-\uffff]/g,
      (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
    ) + '\n'
  );
}

/**
 * Read size at open. One small buffer, reused: on a big ledger, touching fresh
 * memory (a file-sized buffer, then a file-sized string, then its split) cost
 * more than parsing. Each line is decoded on its own into a short-lived string.
 */
const READ_CHUNK = 1024 * 1024;

export interface JournalScan {
  /** Complete, parseable lines (each handed to `onRecord`). */
  records: number;
  /** Lines that were not JSON (other than at the very end). */
  corruptLines: number;
  /** A partial or unparseable last line was dropped (a crash mid-write). */
  tornTail: boolean;
  /** Bytes in the file. */
  bytes: number;
}

/**
 * Reads every line of the journal, handing each parsed record to `onRecord` in
 * file order; a missing file reads as empty. Records are handed over one by
 * one, not collected, so the reader can slim each while it is still new.
 */
export async function readJournal(
  path: string,
  onRecord: (record: unknown) => void,
): Promise<JournalScan> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { records: 0, corruptLines: 0, tornTail: false, bytes: 0 };
    }
    throw error;
  }
  let records = 0;
  let corruptLines = 0;
  // A bad line is only known to be "the last" once the file ends, so hold the verdict until then.
  let pendingCorrupt = 0;
  let bytes = 0;
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    // The start of a line that runs past the end of a read, copied out before the buffer is
    // reused; a line longer than a read has several parts, joined once its end is found.
    const carry: Buffer[] = [];
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      const chunk = buffer.subarray(0, bytesRead);
      // Only a chunk with non-ASCII bytes needs its lines decoded as UTF-8 (SIMD check).
      const ascii = isAscii(chunk);
      let start = 0;
      for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
        let line: string;
        if (carry.length > 0) {
          carry.push(chunk.subarray(start, end));
          line = decodeLine(Buffer.concat(carry.splice(0)));
        } else {
          line = ascii
            ? chunk.toString('latin1', start, end)
            : decodeLine(chunk.subarray(start, end));
        }
        start = end + 1;
        const parsed = parseLine(line);
        if (parsed === SKIP) continue;
        if (parsed === CORRUPT) {
          pendingCorrupt++;
          continue;
        }
        corruptLines += pendingCorrupt;
        pendingCorrupt = 0;
        records++;
        onRecord(parsed);
      }
      if (start < bytesRead) carry.push(Buffer.from(chunk.subarray(start)));
    }
    // Bytes after the last newline: the write that was cut off. Whole-but-unterminated JSON is
    // still dropped — its put() never resolved, so nothing was acted on because of it.
    const tornTail =
      (carry.length > 0 && parseLine(decodeLine(Buffer.concat(carry))) !== SKIP) ||
      pendingCorrupt > 0;
    // Trailing unparseable lines (e.g. NUL-filled blocks after a power cut) are one torn tail too.
    return { records, corruptLines, tornTail, bytes };
  } finally {
    await handle.close();
  }
}

/** One line's bytes as text: latin1 when ASCII (fast), else UTF-8 (older or hand-edited files). */
function decodeLine(line: Buffer): string {
  return line.toString(isAscii(line) ? 'latin1' : 'utf8');
}

const SKIP = Symbol('skip');
const CORRUPT = Symbol('corrupt');

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    // A power cut can leave NUL-filled blocks where the last writes were: not a record.
    return line.replace(/[\s\0]+/g, '') === '' ? SKIP : CORRUPT;
  }
}

/** fsync on a folder makes a rename durable; Windows cannot open folders for it, and needs not. */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces the journal with these lines: temp file, fsync, rename over, fsync the folder. */
export async function rewriteJournal(path: string, lines: string[]): Promise<number> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  let written = 0;
  try {
    const handle = await open(temp, 'w');
    try {
      // Batches keep memory flat for big ledgers while avoiding a syscall per line.
      for (let i = 0; i < lines.length; i += 4096) {
        const chunk = Buffer.from(lines.slice(i, i + 4096).join(''), 'utf8');
        await handle.write(chunk);
        written += chunk.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dirname(path));
  return written;
}

interface Pending {
  data: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Appends lines durably. Appends that arrive while a flush is running are
 * written and fsynced together in the next one (group commit), so two uploads
 * finishing at once do not pay two fsyncs in series.
 */
export class JournalWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  /** Write+fsync rounds so far: fewer than appends when group commit works. */
  commits = 0;

  private constructor(
    private readonly handle: FileHandle,
    /** Bytes known to be durably in the file: a failed write is cut back to this. */
    private size: number,
  ) {}

  static async open(path: string): Promise<JournalWriter> {
    const handle = await open(path, 'a');
    const { size } = await handle.stat();
    return new JournalWriter(handle, size);
  }

  /** Resolves once `line` (which must end in '\n') is on disk. */
  append(line: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The ledger is closed.'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data: line, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const chunk = Buffer.from(batch.map((p) => p.data).join(''), 'utf8');
      try {
        let offset = 0;
        while (offset < chunk.length) {
          const { bytesWritten } = await this.handle.write(chunk, offset);
          offset += bytesWritten;
        }
        // fdatasync: the appended bytes and the new length, without mtime churn.
        await this.handle.datasync();
        this.size += chunk.length;
        this.commits++;
        for (const p of batch) p.resolve();
      } catch (error) {
        // Cut a partial write back off, so later lines do not glue onto half a record.
        await this.handle.truncate(this.size).catch(() => undefined);
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const p of batch) p.reject(failure);
      }
    }
    this.flushing = null;
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.handle.close();
  }
}
