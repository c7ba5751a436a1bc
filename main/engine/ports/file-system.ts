/**
 * The file system as the engine uses it: a port, so the production adapter
 * (node:fs) and the simulator's in-memory office run the same engine code.
 * Paths are absolute, in the host's own syntax (node:path). Failures throw an
 * Error whose `code` is Node's errno code (ENOENT, EACCES, EBUSY, EPERM,
 * ENOSPC, EEXIST, ENAMETOOLONG, EIO, ELOOP…): the engine branches on codes only.
 */

/** What is at a path. `link` is a symbolic link (never followed by the engine). */
export type EntryKind = 'file' | 'dir' | 'link' | 'pipe' | 'socket' | 'device' | 'other';

export interface FileStat {
  kind: EntryKind;
  size: number;
  mtimeMs: number;
  /** Identity of the underlying file (dev:ino); a rename keeps it, a new file gets another. */
  id: string;
}

/** One folder entry, as listed. */
export interface DirEntry {
  name: string;
  kind: EntryKind;
}

/** A file opened for reading; reads do not move a cursor. */
export interface ReadHandle {
  /** Reads up to `length` bytes at `position` into `buffer` from `offset`; returns how many were read (0 at the end). */
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** The open file's own stat (follows the handle, not the path). */
  stat(): Promise<FileStat>;
  close(): Promise<void>;
}

export interface FileSystem {
  /** Does not follow a final symbolic link: a link is reported as `link`. */
  lstat(path: string): Promise<FileStat>;
  /** Opens a regular file for reading (throws EISDIR/ELOOP/EBUSY/EACCES… as the OS does). */
  open(path: string): Promise<ReadHandle>;
  /**
   * open() itself refuses a link (ELOOP) and never waits on a named pipe, so a
   * reader need not look at the path first: a stat less per file read.
   */
  readonly opensSafely?: boolean;
  /** The entries of a folder; throws ENOTDIR/ENOENT/EACCES. Names the OS cannot give as text throw EILSEQ on the entry's use, not here. */
  list(dir: string): Promise<DirEntry[]>;
  /** Moves a file, creating the target's folders; throws EEXIST rather than replace an existing `to`. */
  move(from: string, to: string): Promise<void>;
  /** Creates a folder and its parents (no error if it exists). */
  mkdir(path: string): Promise<void>;
  /** Removes a file; no error if it is already gone. */
  remove(path: string): Promise<void>;
  /** Writes a whole file (creating folders), replacing it if present. */
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /** Appends to a file, creating it (and its folders) if need be. */
  append(path: string, data: Uint8Array | string): Promise<void>;
}

/** The errno code of a thrown file-system error, or undefined. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
