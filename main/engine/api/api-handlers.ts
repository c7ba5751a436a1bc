import { join, resolve } from 'node:path';
import type {
  CallArgs,
  CallName,
  CallResult,
  CheckResult,
  SignInView,
} from '../../../preload/contract.js';
import type { SecretStore, SettingsStore } from '../ports.js';
import { accountFor } from '../secrets/secret-store.js';
import { createLogger, redact, registerSecret } from '../log/logger.js';
import type { Settings } from '../settings/schema.js';
import { accountsOf, findAccount } from '../settings/accounts.js';
import type { EngineApi } from '../types.js';
import type { ProxyResolver } from '../network/proxy-choice.js';
import { transportForSettings, type HostPoster } from '../network/transport.js';
import { checkConnection } from './connection-check.js';
import { resolveInsideRoots } from './inside-roots.js';
import type { SignInPort } from './sign-in-port.js';
import { english, msg, type Message } from '../i18n/translate.js';

export { defaultOpenPath, defaultReveal } from './open-in-os.js';

/**
 * The implementation of every contract call (preload/contract.ts), shared by
 * the Electron IPC (main/app/ipc.ts) and the browser UI server. Callers have
 * already checked the sender and validated the arguments; these handlers
 * still treat paths and settings as untrusted.
 */

/** One async function per contract call. */
export type ApiHandlers = {
  [K in CallName]: (...args: CallArgs<K>) => Promise<CallResult<K>>;
};

export interface ApiHandlerOptions {
  engine: EngineApi;
  settingsStore: SettingsStore;
  secrets: SecretStore;
  mode: 'desktop' | 'browser';
  /** Shows a file in the OS file manager (Electron's shell.showItemInFolder, or defaultReveal). */
  reveal(path: string): Promise<boolean>;
  /** Opens a folder in the OS file manager. */
  openPath(path: string): Promise<boolean>;
  /** The native folder picker; the browser view has none and answers null. */
  pickFolder(): Promise<string | null>;
  version: string;
  /** The token the engine uploads with, when it is not simply the store's (e.g. CONCUR_DROP_TOKEN first). */
  getToken?: (settings: Settings) => Promise<string | null>;
  /**
   * The OAuth2 sign-in of the account, when the host offers one (the desktop
   * opens the system browser); absent, the account uses a pasted token.
   */
  signIn?: SignInPort;
  /** For tests: the connection check's timeouts. */
  checkTimeouts?: { connectMs?: number; responseMs?: number };
  /** The desktop's proxy resolution (PAC, OS settings), so the check goes the way uploads go. */
  resolveProxy?: ProxyResolver;
  /** The desktop's own network stack, for proxies that ask for Windows login, as uploads use it. */
  hostPoster?: HostPoster;
}

const log = createLogger('api');

/** Builds the handlers over an engine, a settings store and a secret store. */
export function createApiHandlers(options: ApiHandlerOptions): ApiHandlers {
  const { engine, settingsStore, secrets } = options;
  const account = () => accountFor(settingsStore.get().concur.baseUrl);
  const readToken = (settings: Settings) =>
    options.getToken
      ? options.getToken(settings)
      : secrets.get(accountFor(settings.concur.baseUrl));
  /** A pasted-token account (absent: the first) as the sign-in view shows it. */
  const tokenSignIn = async (name?: string): Promise<SignInView> => {
    const settings = settingsStore.get();
    const concur = (name === undefined ? undefined : findAccount(settings, name))?.concur;
    const token = await readToken(concur ? { ...settings, concur } : settings).catch(() => null);
    return { mode: 'token', signedIn: !!token };
  };
  const knownAccount = (name?: string) =>
    name === undefined || !!findAccount(settingsStore.get(), name);
  const noSuchAccount = (name?: string): SignInView => ({
    mode: 'token',
    signedIn: false,
    problem: english.say(msg('account.unknown', { name: name ?? '' })),
  });
  // The engine's roots are absolute and current; a job must also belong to one of them.
  const roots = () => engine.summary().roots;

  /** A job's file (where it is now), only when it lies inside a watched root. */
  async function locate(jobId: string): Promise<string | null> {
    const job = engine.job(jobId);
    if (!job) return null;
    const watched = roots();
    if (!watched.some((r) => resolve(r) === resolve(job.root))) return null;
    const path = job.finalPath ?? join(job.root, job.relPath);
    const inside = await resolveInsideRoots(path, watched);
    if (!inside) log.warn('refused to show a file outside the watched folders', { jobId });
    return inside;
  }

  return {
    getJobs: async (filter, limit) => engine.jobs(filter, limit),
    getSummary: async () => engine.summary(),
    retry: (jobId) => engine.retry(jobId),
    retryAllFailed: () => engine.retryAllFailed(),
    sendWithout: (jobId) => engine.sendWithout(jobId),
    pause: async () => engine.pause(),
    resume: async () => engine.resume(),

    async showInFolder(jobId) {
      const inside = await locate(jobId);
      return inside ? options.reveal(inside) : false;
    },

    locateJob: (jobId) => locate(jobId),

    async openRoot(root) {
      const watched = roots();
      if (!watched.some((r) => resolve(r) === resolve(root))) return false;
      const inside = await resolveInsideRoots(root, watched);
      return inside ? options.openPath(inside) : false;
    },

    async getSettings() {
      const settings = settingsStore.get();
      const availability = await secrets
        .availability()
        .catch((error: Error) => ({ available: false, message: error.message }));
      let signedIn = false;
      try {
        signedIn = !!(await readToken(settings));
      } catch {
        // No keychain: not signed in; `keychain` below says why.
      }
      return {
        settings,
        signedIn,
        keychain: availability.available ? 'available' : 'unavailable',
        ...(availability.message ? { keychainMessage: availability.message } : {}),
        ...(settingsStore.warning ? { settingsWarning: settingsStore.warning } : {}),
        ...(settingsStore.warningText?.length
          ? { settingsWarningText: settingsStore.warningText }
          : {}),
        ...(settingsStore.locked?.length ? { locked: [...settingsStore.locked] } : {}),
      };
    },

    async saveSettings(input) {
      const result = await settingsStore.save(input);
      if (!result.ok) return result;
      try {
        await engine.updateSettings(settingsStore.get());
      } catch (error) {
        log.error('saved settings could not be applied', { error: (error as Error).message });
        return {
          ok: false,
          issues: [`(saved, but not applied yet): ${(error as Error).message}`],
        };
      }
      return result;
    },

    async setToken(token): Promise<CheckResult> {
      registerSecret(token);
      const where = account();
      try {
        await secrets.set(where, token);
      } catch (error) {
        return { ok: false, message: redact((error as Error).message) };
      }
      engine.tokenChanged();
      // CONCUR_DROP_TOKEN wins over the keychain: say so, or the user would wonder why nothing changed.
      const inUse = await readToken(settingsStore.get()).catch(() => null);
      if (inUse !== token)
        return { ...said(true, msg('check.savedEnv', { where })), warning: true };
      return said(true, msg('check.saved', { where }));
    },

    async clearToken() {
      await secrets.delete(account());
    },

    async checkConnection(): Promise<CheckResult> {
      const settings = settingsStore.get();
      let token: string | null;
      try {
        token = await readToken(settings);
      } catch (error) {
        return { ok: false, message: (error as Error).message };
      }
      if (!token) return said(false, msg('check.noToken', { where: account() }));
      registerSecret(token);
      const transport = transportForSettings(settings, {
        resolveProxy: options.resolveProxy,
        hostPoster: options.hostPoster,
      });
      const result = await checkConnection(
        settings.concur,
        token,
        options.checkTimeouts,
        transport,
      ).finally(() => transport.close());
      // Concur's own words may echo a token: both forms go out redacted.
      return {
        ok: result.ok,
        message: redact(result.message),
        ...(result.text
          ? { text: JSON.parse(redact(JSON.stringify(result.text))) as Message }
          : {}),
      };
    },

    // An account renamed or removed since the page loaded is said, not taken for the first.
    getSignIn: async (name) =>
      knownAccount(name)
        ? ((await options.signIn?.state(name)) ?? tokenSignIn(name))
        : noSuchAccount(name),
    async getAccounts() {
      return Promise.all(
        accountsOf(settingsStore.get()).map(async ({ name, concur }) => ({
          name,
          baseUrl: concur.baseUrl,
          ...((await options.signIn?.state(name)) ?? (await tokenSignIn(name))),
        })),
      );
    },
    async beginSignIn(name) {
      if (!knownAccount(name)) return { problem: noSuchAccount(name).problem! };
      return (
        (await options.signIn?.begin(name)) ?? {
          problem: english.say(msg('account.noSignInHere')),
        }
      );
    },
    signIn: async (name) =>
      knownAccount(name)
        ? ((await options.signIn?.start(name)) ?? tokenSignIn(name))
        : noSuchAccount(name),
    signOut: async (name) =>
      knownAccount(name)
        ? ((await options.signIn?.signOut(name)) ?? tokenSignIn(name))
        : noSuchAccount(name),

    pickFolder: () => options.pickFolder(),
    getAppInfo: async () => ({
      mode: options.mode,
      version: options.version,
      platform: process.platform,
    }),
  };
}

/** A result in English words and as a Message for the window's language. */
function said(ok: boolean, text: Message): CheckResult {
  return { ok, message: english.say(text), text };
}
