import type { SentVersion } from '../types.js';

/**
 * Small receipts' bytes, from inspection to their upload. Readiness reads a
 * small file whole and inspection hashes that very buffer, so keeping it lets
 * the upload send it without opening, reading and hashing the file again:
 * four system calls and a hash of every receipt in a backlog
 * (docs/architecture.md#performance-targets). Only bytes of the version the
 * job was inspected as (size, mtime, hash) are taken, and sending looks at the
 * file beside the request: the body completes only if it is still that version.
 *
 * Bounded, oldest out: inspection runs at most a few dozen uploads ahead of
 * the wire, but uploads held for sign-in or a full disk let it run further,
 * and an upload whose bytes were let go reads its file as before.
 */

/** Enough for inspection's lead on the wire (see Sending.room) several times over. */
const MAX_FILES = 256;
const MAX_BYTES = 16 * 1024 * 1024;

interface Kept {
  bytes: Uint8Array;
  version: SentVersion;
}

export class KeptBytes {
  private readonly byJob = new Map<string, Kept>();
  private total = 0;

  constructor(
    private readonly maxFiles = MAX_FILES,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  keep(jobId: string, bytes: Uint8Array, version: SentVersion): void {
    if (bytes.length !== version.size || bytes.length > this.maxBytes) return;
    this.drop(jobId);
    this.byJob.set(jobId, { bytes, version });
    this.total += bytes.length;
    for (const id of this.byJob.keys()) {
      if (this.byJob.size <= this.maxFiles && this.total <= this.maxBytes) break;
      this.drop(id);
    }
  }

  /** Whether the job's bytes are kept, and are exactly `version`. */
  has(jobId: string, version: SentVersion): boolean {
    const kept = this.byJob.get(jobId)?.version;
    return (
      kept?.size === version.size &&
      kept.mtimeMs === version.mtimeMs &&
      kept.sha256 === version.sha256
    );
  }

  /** The job's bytes if they are exactly `version`; taken either way (a retry reads the file). */
  take(jobId: string, version: SentVersion): Uint8Array | undefined {
    const bytes = this.has(jobId, version) ? this.byJob.get(jobId)!.bytes : undefined;
    this.drop(jobId);
    return bytes;
  }

  drop(jobId: string): void {
    const kept = this.byJob.get(jobId);
    if (!kept) return;
    this.byJob.delete(jobId);
    this.total -= kept.bytes.length;
  }

  get files(): number {
    return this.byJob.size;
  }

  get bytes(): number {
    return this.total;
  }
}
