import { isDeepStrictEqual } from 'node:util';
import { isAbsolute, resolve } from 'node:path';
import { folderSchema, settingsSchema, type FolderSettings, type Settings } from './schema.js';

/**
 * Settings saved from the browser view into an admin's config file, in the
 * shape the admin wrote (issue 10): a relative folder stays relative, a key
 * the file leaves out stays out while it holds its default (so desktop-only
 * keys are never added), and the file's keys keep their order. Only what
 * changed is written differently.
 */

type Json = Record<string, unknown>;

const DEFAULTS = settingsSchema.parse({}) as unknown as Json;
const FOLDER_DEFAULTS = folderSchema.parse({ path: '.' }) as unknown as Json;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `next` as the file would say it: keys of `original` first, in its order, then
 * new keys whose value differs from the default. `shape` reshapes nested values.
 */
function shapeObject(
  original: unknown,
  next: Json,
  defaults: Json,
  shape: Record<string, (original: unknown, value: unknown) => unknown> = {},
): Json {
  const before = isObject(original) ? original : {};
  const keys = [
    ...Object.keys(before).filter((k) => k in next),
    ...Object.keys(next).filter((k) => !(k in before)),
  ];
  const out: Json = {};
  for (const key of keys) {
    if (!(key in before) && isDeepStrictEqual(next[key], defaults[key])) continue;
    out[key] = shape[key] ? shape[key](before[key], next[key]) : next[key];
  }
  return out;
}

/** The path as the file wrote it when it names the same folder; a new folder as typed. */
function folderPath(written: unknown, path: string, configDir: string): string {
  if (typeof written !== 'string') return path;
  const absolute = (p: string) =>
    isAbsolute(p) || p.startsWith('\\\\') ? resolve(p) : resolve(configDir, p);
  return absolute(written) === absolute(path) ? written : path;
}

function shapeFolders(original: unknown, folders: FolderSettings[], configDir: string): Json[] {
  const before = Array.isArray(original) ? original.filter(isObject) : [];
  return folders.map((folder) => {
    // Matched by the folder it names, not by position: folders may be removed or reordered.
    const match = before.find((f) => folderPath(f.path, folder.path, configDir) === f.path);
    const shaped = shapeObject(match, folder as unknown as Json, FOLDER_DEFAULTS);
    return { ...shaped, path: folderPath(match?.path, folder.path, configDir) };
  });
}

/** Settings to write into a config file whose current content is `original` (parsed JSON, or undefined). */
export function shapeLikeConfig(original: unknown, settings: Settings, configDir: string): Json {
  return shapeObject(original, settings as unknown as Json, DEFAULTS, {
    concur: (before, value) => shapeObject(before, value as Json, DEFAULTS.concur as Json),
    folders: (before, value) => shapeFolders(before, value as FolderSettings[], configDir),
  });
}

/** The indentation a JSON file uses (two spaces when it cannot tell). */
export function jsonIndent(text: string): string {
  return /^[\t ]*[{[][^\n]*\n([\t ]+)\S/.exec(text)?.[1] ?? '  ';
}
