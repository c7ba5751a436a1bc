/**
 * Watched folders must not nest: a file under `x/sub` would be seen by both
 * roots and uploaded to both targets, and the inner root's Uploaded/ would be
 * uploaded again by the outer one (issue 7). The settings schema checks the
 * paths as typed and resolveRoots checks them again once relative ones are
 * resolved, with this one function.
 *
 * Plain string work, no node:path: the schema also runs in the settings
 * window, which has no Node.
 */

/** The later of two nesting folders (its index in the list) and what to tell the user. */
export interface FolderOverlap {
  index: number;
  message: string;
}

const platform = (globalThis as { process?: { platform?: string } }).process?.platform;

/** Windows and macOS file systems ignore case by default: "C:\Scans" and "c:\scans" are one folder. */
export const CASE_INSENSITIVE_PATHS = platform === 'win32' || platform === 'darwin';

const DRIVE = /^[A-Za-z]:(?:[\\/]|$)/;
const UNC = /^(?:\\\\|\/\/)[^\\/]/;

/** A drive letter or a UNC share: a Windows path, whichever OS reads the settings. */
function isWindowsPath(path: string): boolean {
  return DRIVE.test(path) || UNC.test(path) || platform === 'win32';
}

function isRooted(path: string): boolean {
  return path.startsWith('/') || DRIVE.test(path) || UNC.test(path) || path.startsWith('\\');
}

/** The path's segments, '.' and '..' applied; a rooted path keeps its root as the first one. */
function segments(path: string, caseInsensitive: boolean): string[] {
  const windows = isWindowsPath(path);
  const text = caseInsensitive || windows ? path.toLowerCase() : path;
  const [first, ...rest] = text.split(windows ? /[\\/]+/ : /\/+/);
  const rooted = isRooted(path);
  const out: string[] = rooted ? [first] : [];
  for (const part of rooted ? rest : [first, ...rest]) {
    if (part === '' || part === '.') continue;
    if (part !== '..') out.push(part);
    else if (out.length > (rooted ? 1 : 0) && out[out.length - 1] !== '..') out.pop();
    else if (!rooted) out.push('..');
  }
  return out;
}

function isInside(inner: string[], outer: string[]): boolean {
  return inner.length > outer.length && outer.every((part, i) => inner[i] === part);
}

/**
 * The first folder that lies inside another one of the list (or holds one), or
 * null. The same folder listed twice is not an overlap: it is watched once.
 * A relative path is compared only with relative ones, since it is not yet
 * known where it points.
 */
export function findOverlappingFolder(
  paths: readonly string[],
  caseInsensitive = CASE_INSENSITIVE_PATHS,
): FolderOverlap | null {
  const split = paths.map((p) => segments(p, caseInsensitive));
  for (let later = 1; later < paths.length; later++) {
    for (let earlier = 0; earlier < later; earlier++) {
      if (isRooted(paths[later]) !== isRooted(paths[earlier])) continue;
      const [a, b] = [split[later], split[earlier]];
      const inner = isInside(a, b) ? later : isInside(b, a) ? earlier : -1;
      if (inner < 0) continue;
      const outer = inner === later ? earlier : later;
      return {
        index: later,
        message:
          `The folder "${paths[inner]}" is inside the watched folder "${paths[outer]}"; ` +
          'watch only one of them.',
      };
    }
  }
  return null;
}

/** A folder path as compared here: two paths with one key are one folder. */
export function folderKey(path: string, caseInsensitive = CASE_INSENSITIVE_PATHS): string {
  return segments(path, caseInsensitive).join('/');
}
