import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { DataDirError, dataDirError, prepareDataDir, resolveDataDir } from '../engine/data-dir.js';
import { ledgerDir } from '../engine/ledger/ledger.js';
import { configureLogging } from '../engine/log/logger.js';
import {
  envSecretStore,
  keychainSecretStore,
  tokenSource,
  type TokenSource,
} from '../engine/secrets/secret-store.js';
import {
  ConfigFileError,
  loadConfigFile,
  lockedInConfig,
  type LoadedConfig,
} from '../engine/settings/config-file.js';
import { loadMachinePolicy } from '../engine/settings/machine-policy.js';
import { applyPolicy, type Policy, type PolicyState } from '../engine/settings/policy.js';
import { parseSettings, SettingsError, type Settings } from '../engine/settings/schema.js';
import { accountsOf, findAccount } from '../engine/settings/accounts.js';
import { oauth2Account, usesOAuth2, type OAuth2Account } from '../engine/auth/account-auth.js';
import type { SecretStore } from '../engine/ports.js';
import { CommandError, EXIT, UsageError } from './args.js';
import { cli } from './language.js';

/**
 * What every command needs from its host: the data dir, logging, settings
 * from the config file (or defaults) and the token source.
 */

/**
 * `--data-dir`, else CONCUR_DROP_HOME, else the OS app-data folder, created if
 * needed and proven writable (else exit 2, saying so); logging goes to `<dataDir>/logs`.
 */
export function openDataDir(flag?: string): string {
  const dataDir = resolve(resolveDataDir(flag));
  try {
    prepareDataDir(dataDir);
    configureLogging({ dir: resolve(dataDir, 'logs') });
  } catch (error) {
    const refused = error instanceof DataDirError ? error : dataDirError(dataDir, error);
    throw new CommandError(cli().say(refused.text), EXIT.usage);
  }
  return dataDir;
}

/**
 * The data dir of a command that only reads or adds to what a watcher left
 * (`status`, `retry`): never created, so a mistyped --data-dir is said to
 * hold nothing instead of becoming an empty data folder (exit 2).
 */
export function openExistingDataDir(flag?: string): string {
  const dataDir = resolve(resolveDataDir(flag));
  if (!existsSync(ledgerDir(dataDir)))
    throw new CommandError(cli().t('cli.noData', { dir: dataDir }), EXIT.usage);
  try {
    configureLogging({ dir: resolve(dataDir, 'logs') });
  } catch {
    // Reading another user's data folder: the ledger can be read, the log not written.
    configureLogging({ dir: null });
  }
  return dataDir;
}

let machine: PolicyState | undefined;

/**
 * Reads the policy from wherever IT put it (the registry runs reg.exe, so it
 * is asynchronous), once, before a command that loads settings runs.
 */
export async function readMachinePolicy(): Promise<void> {
  machine ??= await loadMachinePolicy();
}

/**
 * The organisation's policy (docs/architecture.md#managed-policy), once per
 * process; a broken one is a usage error (exit 2) that says what is wrong,
 * never skipped.
 */
export function machinePolicy(): Policy | null {
  if (!machine) throw new Error('the policy is read before the command runs (readMachinePolicy)');
  const state = machine;
  if (state.problem)
    throw new UsageError(state.problemText ? cli().say(state.problemText) : state.problem);
  return state.policy;
}

/**
 * The config file's settings, or the defaults when there is none, with the
 * organisation's policy applied; config problems become usage errors. A
 * config value a locked setting overrides is said on stderr.
 */
export function loadSettings(configPath?: string): LoadedConfig {
  const policy = machinePolicy();
  try {
    if (configPath) {
      const loaded = loadConfigFile(configPath, policy);
      for (const key of lockedInConfig(configPath, policy))
        console.error(cli().t('policy.lockedInConfig', { key, file: policy!.file }));
      return loaded;
    }
    return { settings: parseSettings(applyPolicy({}, policy)), configDir: process.cwd() };
  } catch (error) {
    if (error instanceof ConfigFileError || error instanceof SettingsError)
      throw new UsageError(error.message);
    throw error;
  }
}

/** CONCUR_DROP_TOKEN, else the keychain entry for the base URL's origin. */
export function tokenFor(baseUrl: string): TokenSource {
  return tokenSource(baseUrl, {
    env: envSecretStore(process.env),
    keychain: keychainSecretStore(),
  });
}

/**
 * The OAuth2 parts of one account of the config (`--account NAME`, default
 * the first), or null when that account uses a pasted token.
 */
export function oauth2For(
  settings: Settings,
  accountName?: string,
  keychain: SecretStore = keychainSecretStore(),
): OAuth2Account | null {
  const account =
    accountName === undefined ? accountsOf(settings)[0] : findAccount(settings, accountName);
  if (!account)
    throw new UsageError(
      cli().t('cli.noAccount', {
        name: accountName,
        names: accountsOf(settings)
          .map((a) => `"${a.name}"`)
          .join(', '),
      }),
    );
  if (!usesOAuth2(account.concur)) return null;
  return oauth2Account(account.concur, {
    name: account.name,
    first: accountsOf(settings)[0].name === account.name,
    keychain,
    env: process.env,
  });
}

/** Each account's token source for the engine: OAuth2 tokens that renew, or the pasted token. */
export function accountTokens(
  settings: Settings,
  keychain: SecretStore = keychainSecretStore(),
): Map<string, { oauth2: OAuth2Account | null; getToken: () => Promise<string | null> }> {
  const all = new Map<
    string,
    { oauth2: OAuth2Account | null; getToken: () => Promise<string | null> }
  >();
  for (const account of accountsOf(settings)) {
    const oauth2 = oauth2For(settings, account.name, keychain);
    all.set(account.name, {
      oauth2,
      getToken: oauth2
        ? () => oauth2.manager.token().catch(() => null) // a hold only asks whether one came
        : tokenFor(account.concur.baseUrl).getToken,
    });
  }
  return all;
}
