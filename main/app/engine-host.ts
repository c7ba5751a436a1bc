import { dialog, shell, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { createApiHandlers, type ApiHandlers } from '../engine/api/api-handlers.js';
import { signInPort } from '../engine/api/sign-in-port.js';
import { oauth2Account, usesOAuth2, type OAuth2Account } from '../engine/auth/account-auth.js';
import { createEngine, type Engine } from '../engine/engine.js';
import { configureLogging, createLogger } from '../engine/log/logger.js';
import type { SecretStore } from '../engine/ports.js';
import {
  accountFor,
  envSecretStore,
  keychainSecretStore,
  tokenSource,
} from '../engine/secrets/secret-store.js';
import { loadMachinePolicy } from '../engine/settings/machine-policy.js';
import type { PolicyState } from '../engine/settings/policy.js';
import type { Settings } from '../engine/settings/schema.js';
import { accountsOf, findAccount } from '../engine/settings/accounts.js';
import { electronNetPoster } from './electron-net-poster.js';
import { electronProxyResolver } from './proxy-resolver.js';
import { openSettingsStore, type AppSettingsStore } from './settings-store.js';

/**
 * The engine as the desktop app hosts it: data, logs and settings in the app's
 * userData folder (the same folder the CLI defaults to, so both share one
 * ledger), the token from CONCUR_DROP_TOKEN or else the OS keychain entry for
 * the base URL's origin, and the contract's handlers over Electron's dialogs
 * and file manager.
 */

const log = createLogger('app');

export interface AppContext {
  engine: Engine;
  settingsStore: AppSettingsStore;
  keychain: SecretStore;
  handlers: ApiHandlers;
  /** The organisation's policy as read at start (docs/architecture.md#managed-policy). */
  policy: PolicyState;
  /** Set when the OS keychain cannot be used: the app runs, but cannot keep a token. */
  keychainMessage(): string | undefined;
  /** Asks the keychain again (after a token was saved or the session unlocked it). */
  recheckKeychain(): Promise<void>;
}

export interface EngineHostOptions {
  /** app.getPath('userData'). */
  dataDir: string;
  version: string;
  /** The window the folder picker belongs to, once there is one. */
  parentWindow: () => BrowserWindow | null;
  env?: NodeJS.ProcessEnv;
}

/** Opens the settings, reaches for the keychain and builds the engine (not started yet). */
export async function setupEngine(options: EngineHostOptions): Promise<AppContext> {
  const env = options.env ?? process.env;
  configureLogging({ dir: join(options.dataDir, 'logs') });
  const keychain = keychainSecretStore();
  const fromEnv = envSecretStore(env);

  const policy = await loadMachinePolicy({ env });
  const settingsStore = await openSettingsStore({
    policy,
    cwd: options.dataDir,
    saveLegacyToken: (baseUrl, token) => keychain.set(accountFor(baseUrl), token),
  });
  if (settingsStore.warning) log.warn('settings recovered', { warning: settingsStore.warning });

  let keychainMessage: string | undefined;
  const recheckKeychain = async () => {
    const availability = await keychain.availability();
    keychainMessage = availability.available ? undefined : availability.message;
    if (keychainMessage) log.warn('no OS keychain', { message: keychainMessage });
  };
  await recheckKeychain();

  const resolveProxy = electronProxyResolver();
  const hostPoster = electronNetPoster();
  const tokenFor = (settings: Settings) =>
    tokenSource(settings.concur.baseUrl, { env: fromEnv, keychain }).getToken();
  // Each account's OAuth2 parts, made again when its address or app registration changes.
  const oauth2 = new Map<string, { key: string; account: OAuth2Account }>();
  const currentOAuth2 = (name?: string): OAuth2Account | null => {
    const settings = settingsStore.get();
    const listed = accountsOf(settings);
    for (const [had, entry] of oauth2)
      if (!listed.some((a) => a.name === had && usesOAuth2(a.concur))) {
        entry.account.manager.stop();
        oauth2.delete(had);
      }
    const wanted = name === undefined ? listed[0] : findAccount(settings, name);
    if (!wanted || !usesOAuth2(wanted.concur)) return null;
    const first = listed[0].name === wanted.name;
    const key = JSON.stringify([wanted.concur.baseUrl, wanted.concur.oauth2, first]);
    let entry = oauth2.get(wanted.name);
    if (entry?.key !== key) {
      entry?.account.manager.stop();
      entry = {
        key,
        account: oauth2Account(wanted.concur, {
          name: wanted.name,
          first,
          keychain,
          env,
        }),
      };
      oauth2.set(wanted.name, entry);
      entry.account.manager.start();
    }
    return entry.account;
  };
  for (const { name } of accountsOf(settingsStore.get())) currentOAuth2(name);
  const engine = createEngine({
    settings: settingsStore.get(),
    dataDir: options.dataDir,
    // Read per request: the base URL (and so the keychain account) can change in Settings.
    getToken: () => {
      const account = currentOAuth2();
      return account ? account.manager.token().catch(() => null) : tokenFor(settingsStore.get());
    },
    // Asked whenever the engine makes its client, i.e. again after the Concur settings change.
    accountAuth: (name) => {
      const account = currentOAuth2(name);
      return account
        ? { tokens: account.manager, getToken: () => account.manager.token().catch(() => null) }
        : undefined;
    },
    resolveProxy,
    hostPoster,
  });

  const shared = createApiHandlers({
    engine,
    settingsStore,
    secrets: keychain,
    mode: 'desktop',
    version: options.version,
    getToken: tokenFor,
    resolveProxy,
    hostPoster,
    signIn: signInPort({
      account: currentOAuth2,
      // The system browser: the user's own, with their Concur session and password manager.
      openBrowser: (url) => shell.openExternal(url),
      changed: (name) => engine.tokenChanged(name),
      language: () => settingsStore.get().language,
    }),
    async reveal(path) {
      shell.showItemInFolder(path);
      return true;
    },
    async openPath(path) {
      return (await shell.openPath(path)) === '';
    },
    async pickFolder() {
      const parent = options.parentWindow();
      const picked = await (parent
        ? dialog.showOpenDialog(parent, { properties: ['openDirectory', 'createDirectory'] })
        : dialog.showOpenDialog({ properties: ['openDirectory', 'createDirectory'] }));
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
  });

  const handlers: ApiHandlers = {
    ...shared,
    // A keychain unlocked since start shows up once a token is saved (the tray reads it on each render).
    async setToken(...args) {
      const result = await shared.setToken(...args);
      await recheckKeychain();
      return result;
    },
  };

  return {
    engine,
    settingsStore,
    keychain,
    handlers,
    policy,
    keychainMessage: () => keychainMessage,
    recheckKeychain,
  };
}
