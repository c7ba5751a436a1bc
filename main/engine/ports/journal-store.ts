/**
 * Where the ledger's journal lives: a port, so the simulator can crash the
 * engine between any two writes and keep only what was made durable (with a
 * possibly torn last line), while production appends to a file and fsyncs.
 */
export interface JournalStore {
  /** The whole journal as it is on disk now (empty when there is none). */
  read(): Promise<Uint8Array>;
  /** Appends `data` and resolves only once it is durable (fsync). On failure nothing of `data` counts. */
  append(data: Uint8Array): Promise<void>;
  /**
   * Atomically replaces the journal with `parts`, one after another (temp file,
   * fsync, rename, fsync folder). Parts, not one buffer: a compaction keeps
   * slices of the journal it read, and joining them first would hold the
   * kept journal in memory twice.
   */
  replace(parts: readonly Uint8Array[]): Promise<void>;
  /**
   * Cuts the journal back to its first `length` bytes, durably. Needs no free
   * space, so a torn last line can be dropped even on a full disk.
   */
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}
