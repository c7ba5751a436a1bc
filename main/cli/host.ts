import { resolve } from 'node:path';
import { resolveDataDir } from '../engine/data-dir.js';
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
  type LoadedConfig,
} from '../engine/settings/config-file.js';
import { parseSettings, SettingsError } from '../engine/settings/schema.js';
import { UsageError } from './args.js';

/**
 * What every command needs from its host: the data dir, logging, settings
 * from the config file (or defaults) and the token source.
 */

/** `--data-dir`, else CONCUR_DROP_HOME, else the OS app-data folder; logging goes to `<dataDir>/logs`. */
export function openDataDir(flag?: string): string {
  const dataDir = resolve(resolveDataDir(flag));
  configureLogging({ dir: resolve(dataDir, 'logs') });
  return dataDir;
}

/** The config file's settings, or the defaults when there is none; config problems become usage errors. */
export function loadSettings(configPath?: string): LoadedConfig {
  try {
    if (configPath) return loadConfigFile(configPath);
    return { settings: parseSettings({}), configDir: process.cwd() };
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
