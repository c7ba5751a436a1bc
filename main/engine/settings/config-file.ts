import { copyFile, open, readFile, rename, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { SaveResult } from '../../../preload/contract.js';
import type { SettingsStore } from '../ports.js';
import { jsonIndent, shapeLikeConfig } from './config-shape.js';
import {
  applyPolicy,
  lockedIssue,
  overriddenByPolicy,
  SET_BY_ORGANISATION,
  type Policy,
} from './policy.js';
import { parseSettings, refuseOverlappingFolders, SettingsError, type Settings } from './schema.js';

/**
 * The CLI's settings: a JSON config file (docs/architecture.md#the-command-line) validated by the same
 * schema as the app's settings. Relative folder paths are relative to the
 * file's own folder, so a config and its scan folders can move together.
 */

/** The config file cannot be read or is not JSON; the message names the file and the position. */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

export interface LoadedConfig {
  settings: Settings;
  /** The folder that holds the config file (absolute). */
  configDir: string;
}

/** Settings the config file sets but the organisation's policy holds at another value. */
export function lockedInConfig(path: string, policy: Policy | null): string[] {
  try {
    return overriddenByPolicy(
      JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, '')),
      policy,
    );
  } catch {
    return [];
  }
}

/** Reads, parses and validates a config file; throws ConfigFileError or SettingsError. */
export function loadConfigFile(path: string, policy: Policy | null = null): LoadedConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigFileError(`Cannot read the config file ${file}: ${why}`);
  }
  return parseConfigText(text, file, policy);
}

/** Parses config text that came from `file`; exported for stores that read it themselves. */
export function parseConfigText(
  text: string,
  file: string,
  policy: Policy | null = null,
): LoadedConfig {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, '')); // Notepad writes a BOM
  } catch (error) {
    throw new ConfigFileError(
      `The config file ${file} is not valid JSON: ${describeJsonError(text, error as Error)}`,
    );
  }
  const configDir = dirname(file);
  const source = `config file ${file}`;
  const settings = resolveFolders(parseSettings(applyPolicy(json, policy), source), configDir);
  refuseOverlappingFolders(
    settings.folders.map((f) => f.path),
    source,
  );
  return { settings, configDir };
}

/** Makes every folder path (and caFile) absolute, relative ones against the config file's folder. */
export function resolveFolders(settings: Settings, configDir: string): Settings {
  return {
    ...settings,
    ...(settings.caFile ? { caFile: resolve(configDir, settings.caFile) } : {}),
    folders: settings.folders.map((folder) => ({
      ...folder,
      // UNC paths (\\server\share) are absolute on Windows but not to path.resolve elsewhere.
      path:
        isAbsolute(folder.path) || folder.path.startsWith('\\\\')
          ? folder.path
          : resolve(configDir, folder.path),
    })),
  };
}

// JSON.parse says "at position 57" (Node 20) or "(line 3 column 5)" (newer);
// people editing a file by hand want the line and column either way.
function describeJsonError(text: string, error: Error): string {
  const message = error.message;
  if (/line \d+ column \d+/.test(message)) return message;
  const at = /position (\d+)/.exec(message);
  if (!at) return text.trim() === '' ? 'the file is empty' : message;
  const offset = Number(at[1]);
  const before = text.slice(0, offset).split('\n');
  return `${message} (line ${before.length} column ${before[before.length - 1].length + 1})`;
}

/**
 * A SettingsStore over a config file: `get` returns the validated settings with
 * folders resolved; `save` validates, writes them in the file's own shape
 * (config-shape.ts), keeps the previous file as `<file>.bak`
 * and replaces it atomically (temp file + rename), so a crash never leaves half a config.
 */
export function fileSettingsStore(path: string, policy: Policy | null = null): SettingsStore {
  const file = resolve(path);
  let current = loadConfigFile(file, policy);
  return {
    get: () => current.settings,
    locked: policy?.locked ?? [],
    async save(input: unknown): Promise<SaveResult> {
      let settings: Settings;
      const overridden = overriddenByPolicy(input, policy);
      if (overridden.length)
        return {
          ok: false,
          issues: overridden.map((key) => `${key}: ${SET_BY_ORGANISATION}`),
          issueTexts: overridden.map(lockedIssue),
        };
      try {
        settings = parseSettings(applyPolicy(input, policy), `settings for ${file}`);
      } catch (error) {
        if (error instanceof SettingsError) return { ok: false, issues: error.issues };
        throw error;
      }
      // What the page sends is the whole resolved settings; the file keeps the admin's shape.
      const text = await readFile(file, 'utf8').catch(() => '');
      let original: unknown;
      try {
        original = JSON.parse(text.replace(/^\uFEFF/, ''));
      } catch {
        original = undefined;
      }
      const shaped = shapeLikeConfig(original, settings, current.configDir);
      await writeAtomically(file, JSON.stringify(shaped, null, jsonIndent(text)) + '\n');
      current = {
        settings: resolveFolders(settings, current.configDir),
        configDir: current.configDir,
      };
      return { ok: true };
    },
  };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await copyFile(file, `${file}.bak`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }
  await rename(temp, file);
}
