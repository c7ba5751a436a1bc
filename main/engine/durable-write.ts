import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a file so that a crash or power cut leaves either the old one or
 * the new one, never half: the bytes go to a temp file beside it (a dot name
 * ending in .tmp, which no watcher takes for a scan), are fsynced, and the temp
 * file is renamed over; with `syncFolder` the folder is fsynced too, so the
 * rename itself survives a power cut.
 */
export async function writeFileDurably(
  path: string,
  data: Uint8Array | string | readonly Uint8Array[],
  options: { syncFolder?: boolean; mode?: number } = {},
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', options.mode ?? 0o666);
    try {
      if (Array.isArray(data)) await writeParts(handle, data);
      else await handle.writeFile(data as Uint8Array | string);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (options.syncFolder) await syncDir(dirname(path));
}

/** Buffers written one after another, as few system calls as the OS allows (libuv splits at IOV_MAX). */
async function writeParts(handle: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  const buffers = parts.filter((part) => part.length > 0);
  if (buffers.length === 0) return;
  const total = buffers.reduce((sum, part) => sum + part.length, 0);
  const { bytesWritten } = await handle.writev(buffers);
  if (bytesWritten !== total) throw new Error(`wrote ${bytesWritten} of ${total} bytes`);
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
