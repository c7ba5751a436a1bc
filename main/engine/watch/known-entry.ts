import type { Stats } from 'node:fs';
import type { EntryKind } from './list-folder.js';
import type { ProblemCode } from './problems.js';

/**
 * What the folder tree remembers of one entry, and how a fresh look at the
 * disk is compared with it: a file that changed in any way that matters (size,
 * time, identity, permissions, owner) is reported again.
 */
export type Known =
  | { kind: 'file'; size: number; mtimeMs: number; ino: number; mode: number; uid: number }
  | { kind: 'folder' }
  | { kind: 'problem'; code: ProblemCode };

export function fileInfo(st: Stats): Known {
  return {
    kind: 'file',
    size: st.size,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
    mode: st.mode,
    uid: st.uid,
  };
}

export function sameFile(known: Extract<Known, { kind: 'file' }>, st: Stats): boolean {
  return (
    known.size === st.size &&
    known.mtimeMs === st.mtimeMs &&
    known.ino === st.ino &&
    known.mode === st.mode &&
    known.uid === st.uid
  );
}

export function sameKind(known: Known, kind: EntryKind): boolean {
  if (known.kind === 'problem') {
    if (known.code === 'symlink') return kind === 'symlink';
    if (known.code === 'not-a-file') return kind === 'other';
    // An unreadable file is looked at again by its events (or polling), not by every listing.
    if (known.code === 'unreadable') return kind === 'file';
    return false;
  }
  return known.kind === kind;
}
