import type { ConcurSettings, FolderSettings, Settings } from './schema.js';

/**
 * The Concur accounts of the settings (docs/architecture.md#signing-in-to-concur):
 * `accounts` when listed, else the one `concur` account, named "default".
 * A folder's scans go to the account it names, else the first.
 */

export const DEFAULT_ACCOUNT = 'default';

export interface Account {
  name: string;
  concur: ConcurSettings;
}

export function accountsOf(settings: Settings): Account[] {
  return settings.accounts.length
    ? settings.accounts
    : [{ name: DEFAULT_ACCOUNT, concur: settings.concur }];
}

/** The account a folder's scans go to. */
export function accountOfFolder(settings: Settings, folder: FolderSettings | undefined): string {
  return folder?.account ?? accountsOf(settings)[0].name;
}

/** The account called `name`, if the settings have it. */
export function findAccount(settings: Settings, name: string): Account | undefined {
  return accountsOf(settings).find((a) => a.name === name);
}
