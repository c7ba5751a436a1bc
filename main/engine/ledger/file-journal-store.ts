import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir, writeFileDurably } from '../durable-write.js';
import type { JournalStore } from '../ports/journal-store.js';

/**
 * The journal in a file (production). Appends go at the end of what is known
 * to be durable, and are fdatasynced before they resolve; a write that fails
 * part-way (disk full) is cut back off, so the next append does not glue onto
 * half a line and the file stays a valid journal. Replacing writes a temp file
 * beside it, fsyncs, renames over and fsyncs the folder.
 *
 * Operations run one at a time in call order; grouping concurrent appends
 * into one flush is the ledger's writer's job (journal-writer.ts).
 */
export class FileJournalStore implements JournalStore {
  private handle: FileHandle | null = null;
  /** Bytes known to be durably in the file; a failed append is cut back to this. */
  private size = 0;
  /** A failed append could not be cut back: do that before anything else is written. */
  private ragged = false;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(readonly path: string) {}

  /** Not queued behind appends: a compaction reads while puts go on, and uses only what was durable when it began. */
  async read(): Promise<Uint8Array> {
    try {
      return await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Uint8Array(0);
      throw error;
    }
  }

  append(data: Uint8Array): Promise<void> {
    return this.serially(async () => {
      const handle = await this.writable();
      if (this.ragged) {
        await handle.truncate(this.size);
        this.ragged = false;
      }
      try {
        let offset = 0;
        while (offset < data.length) {
          const { bytesWritten } = await handle.write(
            data,
            offset,
            data.length - offset,
            this.size + offset,
          );
          offset += bytesWritten;
        }
        // fdatasync: the appended bytes and the new length, without mtime churn.
        await handle.datasync();
        this.size += data.length;
      } catch (error) {
        await handle.truncate(this.size).catch(() => (this.ragged = true));
        throw error;
      }
    });
  }

  replace(parts: readonly Uint8Array[]): Promise<void> {
    return this.serially(async () => {
      await writeFileDurably(this.path, parts, { syncFolder: true });
      // The old handle points at the file just replaced: appends must go to the new one.
      const old = this.handle;
      this.handle = null;
      this.ragged = false;
      await old?.close().catch(() => undefined);
    });
  }

  truncate(length: number): Promise<void> {
    return this.serially(async () => {
      const handle = await this.writable();
      await handle.truncate(length);
      await handle.datasync();
      this.size = length;
      this.ragged = false;
    });
  }

  close(): Promise<void> {
    return this.serially(async () => {
      this.closed = true;
      const handle = this.handle;
      this.handle = null;
      await handle?.close();
    });
  }

  /** The file open for writing at its current end (created, and made durable in its folder, if new). */
  private async writable(): Promise<FileHandle> {
    if (this.closed) throw new Error('The ledger is closed.');
    if (this.handle) return this.handle;
    // 'a' creates without truncating; then 'r+' for positional writes (O_APPEND would ignore them).
    const creator = await open(this.path, 'a');
    const { size } = await creator.stat();
    await creator.close();
    const handle = await open(this.path, 'r+');
    // A journal created just now must survive a power cut too: make its folder entry durable.
    if (size === 0) await syncDir(dirname(this.path));
    this.handle = handle;
    this.size = size;
    return handle;
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
