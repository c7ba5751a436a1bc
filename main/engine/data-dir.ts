import { homedir } from 'node:os';
import { join } from 'node:path';

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
