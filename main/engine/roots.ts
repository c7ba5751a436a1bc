import { isAbsolute, resolve } from 'node:path';
import type { FolderSettings } from './settings/schema.js';
import { isUncPath } from './watch/watcher.js';

/** A configured folder with its absolute path. */
export interface WatchedRoot {
  root: string;
  folder: FolderSettings;
}

/**
 * Absolute roots from the settings: relative paths resolve against the config
 * file's folder (DESIGN §8); UNC paths stay as they are. The same folder
 * listed twice is watched once (the first entry's settings win).
 */
export function resolveRoots(folders: FolderSettings[], configDir = process.cwd()): WatchedRoot[] {
  const seen = new Set<string>();
  const out: WatchedRoot[] = [];
  for (const folder of folders) {
    const root =
      isUncPath(folder.path) || isAbsolute(folder.path)
        ? folder.path
        : resolve(configDir, folder.path);
    const clean = isUncPath(root) ? root : resolve(root);
    if (seen.has(clean)) continue;
    seen.add(clean);
    out.push({ root: clean, folder });
  }
  return out;
}
