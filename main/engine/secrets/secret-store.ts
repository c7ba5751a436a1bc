import { createLogger, registerSecret } from '../log/logger.js';
import type { SecretStore } from '../ports.js';
import { english, msg, type Message } from '../i18n/translate.js';

/**
 * The token's home (docs/architecture.md#security, docs/architecture.md#the-command-line): CONCUR_DROP_TOKEN when set, else the OS
 * keychain through keytar (service "Concur Drop", account = the base URL's
 * origin). Shared by the CLI and the desktop shell.
 */

/** The keychain service name every host uses. */
export const KEYCHAIN_SERVICE = 'Concur Drop';

/** The environment variable that overrides the keychain. */
export const TOKEN_ENV = 'CONCUR_DROP_TOKEN';

const UNAVAILABLE =
  'No OS keychain is available (on Linux, install and unlock GNOME Keyring or KWallet) — set CONCUR_DROP_TOKEN instead';

/**
 * The OS keychain cannot be reached; `message` says what the user can do.
 * The system's own reason ("Cannot autolaunch D-Bus without X11 $DISPLAY")
 * is kept in `detail` for the log: it means nothing to the person reading.
 */
export class KeychainUnavailableError extends Error {
  /** The same words for people, in their language. */
  readonly text: Message = msg('fixed.noKeychain');
  constructor(readonly detail?: string) {
    super(UNAVAILABLE);
    this.name = 'KeychainUnavailableError';
  }
}

/** The token comes from the environment, so it cannot be changed from here. */
export class ReadOnlySecretError extends Error {
  constructor(action: string) {
    super(
      `The token comes from the ${TOKEN_ENV} environment variable, so it cannot be ${action} here; change or unset the variable instead.`,
    );
    this.name = 'ReadOnlySecretError';
  }
}

/** The keychain account for a base URL: its origin, e.g. "https://www.concursolutions.com". */
export function accountFor(baseUrl: string): string {
  return new URL(baseUrl).origin;
}

type Keytar = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
};

const log = createLogger('secrets');
let keytarModule: Promise<Keytar> | null = null;

// keytar is loaded only when first needed: a machine without libsecret must
// still run everything that does not touch the keychain (CONCUR_DROP_TOKEN).
function loadKeytar(): Promise<Keytar> {
  keytarModule ??= import('keytar').then(
    (mod) => ((mod as { default?: Keytar }).default ?? mod) as Keytar,
  );
  return keytarModule;
}

// A Secret Service that is locked may wait for a prompt nobody can answer on
// a headless machine; give up after a while instead of hanging the host.
const KEYCHAIN_TIMEOUT_MS = 10_000;

async function withKeytar<T>(what: string, fn: (k: Keytar) => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const keytar = await loadKeytar();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`the keychain did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s`)),
        KEYCHAIN_TIMEOUT_MS,
      );
      timer.unref();
    });
    return await Promise.race([fn(keytar), timeout]);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    log.warn(`keychain ${what} failed`, { detail });
    throw new KeychainUnavailableError(detail);
  } finally {
    clearTimeout(timer);
  }
}

/** The OS keychain over keytar; every failure to reach it is a KeychainUnavailableError. */
export function keychainSecretStore(service = KEYCHAIN_SERVICE): SecretStore {
  return {
    async get(account) {
      const secret = await withKeytar('read', (k) => k.getPassword(service, account));
      registerSecret(secret);
      return secret;
    },
    async set(account, secret) {
      registerSecret(secret);
      await withKeytar('write', (k) => k.setPassword(service, account, secret));
    },
    delete: (account) => withKeytar('delete', (k) => k.deletePassword(service, account)),
    async availability() {
      try {
        // A read of an account nobody uses: proves the Secret Service answers.
        await withKeytar('probe', (k) => k.getPassword(service, '(availability probe)'));
        return { available: true };
      } catch (error) {
        return { available: false, message: (error as Error).message };
      }
    },
  };
}

/** CONCUR_DROP_TOKEN, read-only: set and delete explain that it lives in the environment. */
export function envSecretStore(env: NodeJS.ProcessEnv = process.env): SecretStore {
  const read = () => env[TOKEN_ENV]?.trim() || null;
  return {
    async get() {
      const token = read();
      registerSecret(token);
      return token;
    },
    async set() {
      throw new ReadOnlySecretError('stored');
    },
    async delete() {
      throw new ReadOnlySecretError('cleared');
    },
    async availability() {
      return read()
        ? { available: true }
        : { available: false, message: `${TOKEN_ENV} is not set.` };
    },
  };
}

/**
 * The environment over the keychain as one store, for hosts that show
 * "signed in" (the browser view): reads prefer CONCUR_DROP_TOKEN, writes go to
 * the keychain.
 */
export function layeredSecretStore(env: SecretStore, keychain: SecretStore): SecretStore {
  return {
    get: async (account) => (await env.get(account)) ?? keychain.get(account),
    set: (account, secret) => keychain.set(account, secret),
    delete: (account) => keychain.delete(account),
    async availability() {
      const fromKeychain = await keychain.availability();
      if (fromKeychain.available) return fromKeychain;
      // No keychain, but a token from the environment still lets uploads run.
      return (await env.availability()).available ? { available: true } : fromKeychain;
    },
  };
}

/** Where a token was found, for messages such as `token check`. */
export type TokenOrigin = 'environment' | 'keychain';

export interface TokenSource {
  /** The token for the base URL, or null when there is none; never throws. */
  getToken(): Promise<string | null>;
  /** Like getToken, but says where it came from and why there is none. */
  lookup(): Promise<
    { token: string; origin: TokenOrigin } | { token: null; reason: string; text?: Message }
  >;
}

/** The engine's getToken: the environment first, else the keychain entry for the base URL's origin. */
export function tokenSource(
  baseUrl: string,
  stores: { env: SecretStore; keychain: SecretStore },
): TokenSource {
  const account = accountFor(baseUrl);
  const lookup: TokenSource['lookup'] = async () => {
    const fromEnv = await stores.env.get(account);
    if (fromEnv) return { token: fromEnv, origin: 'environment' };
    try {
      const fromKeychain = await stores.keychain.get(account);
      if (fromKeychain) return { token: fromKeychain, origin: 'keychain' };
      const text = msg('token.missing', { account });
      return { token: null, reason: english.say(text), text };
    } catch (error) {
      return { token: null, reason: (error as Error).message };
    }
  };
  return {
    lookup,
    async getToken() {
      const found = await lookup();
      return found.token;
    },
  };
}
