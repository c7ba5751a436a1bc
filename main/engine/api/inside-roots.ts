import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';

/**
 * Paths that come from the UI are opened only inside a watched root
 * (docs/architecture.md#security). Both sides are resolved through realpath, so neither `..` nor a
 * symlink inside a root can point the file manager somewhere else.
 */

/** True when `child` is `parent` or lies below it (both already resolved). */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function real(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch {
    return null;
  }
}

/**
 * The real path of `path` when it (or, for a file that is gone, its folder)
 * exists inside one of `roots`; otherwise null.
 */
export async function resolveInsideRoots(path: string, roots: string[]): Promise<string | null> {
  const target = (await real(resolve(path))) ?? (await real(dirname(resolve(path))));
  if (!target) return null;
  for (const root of roots) {
    const realRoot = await real(resolve(root));
    if (realRoot && isWithin(realRoot, target)) return target;
  }
  return null;
}
