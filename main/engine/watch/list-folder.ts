import { isUtf8 } from 'node:buffer';
import { readdir } from 'node:fs/promises';

/**
 * One folder's entries, listed by raw bytes: a name that is not valid UTF-8
 * would otherwise come back with U+FFFD in it and name a file that no call can
 * reach, so it is flagged here instead of failing later in silence.
 */

export type EntryKind = 'file' | 'folder' | 'symlink' | 'other';

export interface FolderEntry {
  /** Decoded; when `badName`, decoded with U+FFFD and good only for display. */
  name: string;
  kind: EntryKind;
  badName: boolean;
}

export async function listFolder(absDir: string): Promise<FolderEntry[]> {
  const dirents = await readdir(absDir, { encoding: 'buffer', withFileTypes: true });
  return dirents.map((d) => {
    const raw = d.name as unknown as Buffer;
    const kind: EntryKind = d.isFile()
      ? 'file'
      : d.isDirectory()
        ? 'folder'
        : d.isSymbolicLink()
          ? 'symlink'
          : 'other';
    return { name: raw.toString('utf8'), kind, badName: !isUtf8(raw) };
  });
}

export function isPermissionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

export function isGoneError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
