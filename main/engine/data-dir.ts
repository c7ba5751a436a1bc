import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { english, msg, type Message } from './i18n/translate.js';

export const APP_NAME = 'Concur Drop';

/**
 * The folder for the ledger, logs and merge staging: `--data-dir`, else
 * CONCUR_DROP_HOME, else the OS app-data folder of "Concur Drop". The last is
 * the same folder Electron's app.getPath('userData') gives the desktop app, so
 * the CLI and the app share one ledger.
 */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.CONCUR_DROP_HOME) return env.CONCUR_DROP_HOME;
  return join(appDataDir(env), APP_NAME);
}

function appDataDir(env: NodeJS.ProcessEnv): string {
  switch (process.platform) {
    case 'win32':
      return env.APPDATA ?? join(homedir(), 'AppData', 'Roaming');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support');
    default:
      return env.XDG_CONFIG_HOME || join(homedir(), '.config');
  }
}

/** The data folder cannot be created or written; the message says so in plain words, with the path. */
export class DataDirError extends Error {
  /** The same words for people, in their language. */
  readonly text: Message;
  constructor(
    readonly dataDir: string,
    /** The errno code behind it, for the log. */
    readonly code: string | undefined,
  ) {
    const text = msg('dataDir.cannotWrite', { dir: dataDir, why: msg(plainReason(code)) });
    super(english.say(text));
    this.text = text;
    this.name = 'DataDirError';
  }
}

function plainReason(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'dataDir.denied';
    case 'EROFS':
      return 'dataDir.readOnly';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'dataDir.full';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'dataDir.inTheWay';
    case 'ENOENT':
      return 'dataDir.notThere';
    default:
      return 'dataDir.other';
  }
}

/** Wraps a file-system error met in the data folder as a DataDirError. */
export function dataDirError(dataDir: string, error: unknown): DataDirError {
  return new DataDirError(dataDir, (error as NodeJS.ErrnoException).code);
}

/**
 * Creates the data folder if needed and proves it can be written, before
 * anything runs: a read-only folder would otherwise surface later as a bare
 * "EACCES mkdir …" from whichever part touched it first. Throws DataDirError.
 */
export function prepareDataDir(dataDir: string): void {
  const probe = join(dataDir, `.write-test-${process.pid}`);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(probe, '', { flag: 'wx' });
    unlinkSync(probe);
  } catch (error) {
    throw dataDirError(dataDir, error);
  }
}
