import { isAbsolute, resolve } from 'node:path';
import { folderKey } from './settings/overlapping-folders.js';
import { refuseOverlappingFolders, type FolderSettings } from './settings/schema.js';
import { isUncPath } from './watch/watcher.js';

/** A configured folder with its absolute path. */
export interface WatchedRoot {
  root: string;
  folder: FolderSettings;
}

/**
 * Absolute roots from the settings: relative paths resolve against the config
 * file's folder (docs/architecture.md#the-command-line); UNC paths stay as they are. The same folder
 * listed twice is watched once (the first entry's settings win); folders that
 * nest are refused with a SettingsError naming the later one's key.
 */
export function resolveRoots(
  folders: FolderSettings[],
  configDir = process.cwd(),
  source = 'settings',
): WatchedRoot[] {
  const roots = folders.map((folder) => {
    const root =
      isUncPath(folder.path) || isAbsolute(folder.path)
        ? folder.path
        : resolve(configDir, folder.path);
    return isUncPath(root) ? root : resolve(root);
  });
  refuseOverlappingFolders(roots, source);
  const seen = new Set<string>();
  const out: WatchedRoot[] = [];
  folders.forEach((folder, i) => {
    const key = folderKey(roots[i]);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ root: roots[i], folder });
  });
  return out;
}
