import { close, constants, fstat, lstat, open, read, type Stats } from 'node:fs';
import {
  appendFile,
  copyFile,
  link,
  mkdir,
  readdir,
  rename,
  rm,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EntryKind, FileStat, FileSystem, ReadHandle } from './file-system.js';

/** The production file system: node:fs, with the engine's rules (no clobbering moves, no blocking opens). */

function kindOf(st: Stats): EntryKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'link';
  if (st.isFIFO()) return 'pipe';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  return 'other';
}

function toStat(st: Stats): FileStat {
  return { kind: kindOf(st), size: st.size, mtimeMs: st.mtimeMs, id: `${st.dev}:${st.ino}` };
}

// O_NONBLOCK: if the path was swapped for a FIFO after a stat, open returns at once instead of
// waiting for a writer. O_NOFOLLOW: a link put in place of the file is refused, never followed.
// Windows has neither.
const OPEN_FLAGS =
  process.platform === 'win32'
    ? constants.O_RDONLY
    : constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

/**
 * A node:fs callback call as a promise: a quarter cheaper than node:fs/promises,
 * which counts for the calls made on every receipt.
 */
export function fsCall<T>(
  call: (cb: (error: NodeJS.ErrnoException | null, value: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    call((error, value) => (error ? reject(error) : resolve(value))),
  );
}

/**
 * Opens a file to read as a plain descriptor, not a FileHandle: a receipt is
 * opened and read once or twice, and a FileHandle's promise and clean-up
 * machinery cost more than the reading (about a quarter more CPU per open,
 * read and close). Closing twice is harmless.
 */
export async function openForReading(path: string, flags: number): Promise<ReadHandle> {
  const fd = await fsCall<number>((cb) => open(path, flags, cb));
  // Once closed, the number may be another file's: nothing more is done with it.
  let closed: Promise<void> | undefined;
  const use = <T>(call: (cb: (error: NodeJS.ErrnoException | null, value: T) => void) => void) =>
    closed ? Promise.reject(new Error(`${path} was closed.`)) : fsCall(call);
  return {
    read: (buffer, offset, length, position) =>
      use<number>((cb) => read(fd, buffer, offset, length, position, cb)),
    stat: async () => toStat(await use<Stats>((cb) => fstat(fd, cb))),
    close: () => (closed ??= fsCall<void>((cb) => close(fd, (error) => cb(error, undefined)))),
  };
}

export const nodeFileSystem: FileSystem = {
  opensSafely: process.platform !== 'win32',
  // The callback form: a receipt is looked at this way four times, and it costs a quarter less.
  async lstat(path) {
    return toStat(await fsCall<Stats>((cb) => lstat(path, cb)));
  },
  open: (path) => openForReading(path, OPEN_FLAGS),
  async list(dir) {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, kind: kindOf(e as unknown as Stats) }));
  },
  async move(from, to) {
    if (process.platform !== 'win32') {
      // link + unlink never replaces a file that appeared at `to` meanwhile (rename would).
      try {
        await linkCreatingFolder(from, to);
        await unlink(from);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOENT') throw err;
        // EXDEV, EPERM (a file system without hard links): fall through.
      }
    }
    await mkdir(dirname(to), { recursive: true });
    try {
      await rename(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // Another disk or a share: COPYFILE_EXCL never clobbers a file that appeared at the target.
      await copyFile(from, to, constants.COPYFILE_EXCL);
      await unlink(from);
    }
  },
  async mkdir(path) {
    await mkdir(path, { recursive: true });
  },
  async remove(path) {
    await rm(path, { force: true });
  },
  async writeFile(path, data) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  },
  async append(path, data) {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, data);
  },
};

/**
 * link(2), creating the target's folder only when it is missing: Uploaded/ is
 * there for every file but the first, and a mkdir before each move cost two
 * system calls per file.
 */
async function linkCreatingFolder(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(to), { recursive: true });
    await link(from, to);
  }
}
