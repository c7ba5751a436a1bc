import type { JournalStore } from '../../main/engine/ports/journal-store.js';
import { asLife, type Life } from './life.js';
import type { SeededRandom } from './seeded-random.js';
import { FsError } from './memory-fs.js';

/**
 * The ledger's journal on a simulated disk. An append takes a little virtual
 * time to become durable (the fsync); a crash meanwhile keeps the durable
 * bytes plus, as the seed decides, a torn prefix of the append in flight.
 * While the disk is full, appends and replaces fail ENOSPC and change nothing;
 * a truncate, which frees space, still works.
 */

interface Write {
  kind: 'append' | 'replace' | 'truncate';
  /** What is written; for a truncate, the bytes that stay. */
  data: Uint8Array;
}

export interface JournalTiming {
  now(): number;
  sleep(ms: number, life?: Life): Promise<void>;
}

/** Longest virtual fsync, in ms. */
const MAX_FSYNC_MS = 2;

export class MemoryJournalStore {
  private chunks: Uint8Array[] = [];
  private length = 0;
  private inFlight: Write[] = [];
  /** Writes become durable in the order they were made, as through one file descriptor. */
  private lastDurableAt = 0;
  /** Set while the data disk is full. */
  full = false;
  /** Called with every byte the engine writes, for the secret checker. */
  onWrite: ((data: Uint8Array) => void) | undefined;

  constructor(
    private readonly timing: JournalTiming,
    private readonly random: SeededRandom,
  ) {}

  /** The bytes a restart would read. */
  durable(): Uint8Array {
    if (this.chunks.length > 1) {
      const all = new Uint8Array(this.length);
      let at = 0;
      for (const chunk of this.chunks) {
        all.set(chunk, at);
        at += chunk.length;
      }
      this.chunks = [all];
    }
    return this.chunks[0] ?? new Uint8Array(0);
  }

  get size(): number {
    return this.length;
  }

  /** The journal port for one life of the engine. */
  view(life?: Life): JournalStore {
    return {
      read: () => asLife(life, () => this.durable().slice()),
      append: (data) => asLife(life, () => this.write({ kind: 'append', data }, life)),
      replace: (parts) =>
        asLife(life, () => this.write({ kind: 'replace', data: Buffer.concat(parts) }, life)),
      truncate: (length) =>
        asLife(life, () =>
          this.write({ kind: 'truncate', data: this.durable().subarray(0, length) }, life),
        ),
      close: () => asLife(life, () => undefined),
    };
  }

  /** The power went: what was durable stays, and perhaps part of the first append in flight. */
  crash(): { tornBytes: number } {
    const first = this.inFlight[0];
    this.inFlight = [];
    if (!first || first.kind !== 'append' || !this.random.chance(0.5)) return { tornBytes: 0 };
    const keep = this.random.int(1, Math.max(1, first.data.length - 1));
    this.add(first.data.subarray(0, keep));
    return { tornBytes: keep };
  }

  /** A clean exit: what the process handed to the OS reaches the disk, fsync'd or not. */
  flush(): void {
    for (const write of this.inFlight.splice(0)) {
      if (write.kind !== 'append') {
        this.chunks = [];
        this.length = 0;
      }
      this.add(write.data);
    }
  }

  private async write(write: Write, life: Life | undefined): Promise<void> {
    if (this.full && write.kind !== 'truncate') throw new FsError('ENOSPC', 'write', 'journal');
    const data = Uint8Array.from(write.data);
    this.onWrite?.(data);
    const pending = { ...write, data };
    this.inFlight.push(pending);
    const now = this.timing.now();
    const at = Math.max(this.lastDurableAt, now + this.random.int(0, MAX_FSYNC_MS));
    this.lastDurableAt = at;
    await this.timing.sleep(at - now, life);
    const index = this.inFlight.indexOf(pending);
    if (index < 0) return; // lost to a crash; the caller's life has ended too
    this.inFlight.splice(index, 1);
    if (pending.kind !== 'append') {
      this.chunks = [];
      this.length = 0;
    }
    this.add(data);
  }

  private add(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.length += data.length;
  }
}
