import { createLogger, registerSecret } from '../log/logger.js';
import type { SecretStore } from '../ports.js';
import { KeychainUnavailableError } from '../secrets/secret-store.js';

/**
 * Where an account's OAuth2 session lives between runs: one keychain entry
 * per account holding the refresh token (and where the user lives, who they
 * are, since when). Without a keychain it is kept in memory for the run, and
 * CONCUR_DROP_REFRESH_TOKEN seeds it when nothing is stored
 * (docs/architecture.md#signing-in-to-concur).
 */

/** The variable an administrator seeds a headless machine's first refresh token with. */
export const REFRESH_TOKEN_ENV = 'CONCUR_DROP_REFRESH_TOKEN';
/** The variable that carries the app registration's client secret, over the keychain. */
export const CLIENT_SECRET_ENV = 'CONCUR_DROP_CLIENT_SECRET';

/** An account's sign-in as kept between runs. */
export interface StoredSession {
  refreshToken: string;
  /** Where the user lives (Concur's geolocation); calls go there. */
  geolocation?: string;
  userId?: string;
  userName?: string;
  /** When the user signed in (ms since the epoch). */
  signedInAt?: number;
  /** When the refresh token stops working, if Concur said. */
  refreshExpiresAt?: number;
}

export interface SessionStore {
  load(): Promise<StoredSession | null>;
  /** Throws only when neither the keychain nor memory can take it (never, today). */
  save(session: StoredSession): Promise<void>;
  clear(): Promise<boolean>;
  /** 'memory' when there is no keychain: a restart needs CONCUR_DROP_REFRESH_TOKEN again. */
  where(): Promise<'keychain' | 'memory'>;
}

/** The keychain entry of an account's session. */
export function sessionEntry(account: { name: string; baseUrl: string }): string {
  return `oauth2/${account.name}@${new URL(account.baseUrl).origin}`;
}

/** The keychain entry of an app registration's client secret. */
export function clientSecretEntry(account: { clientId: string; baseUrl: string }): string {
  return `client-secret/${account.clientId}@${new URL(account.baseUrl).origin}`;
}

const log = createLogger('sessions');

/** The keychain entry `entry`, falling back to memory when there is no keychain. */
export function keychainSessionStore(
  keychain: SecretStore,
  entry: string,
  seed?: string | null,
): SessionStore {
  let memory: StoredSession | null = null;
  let inMemory = false;
  let seedLeft = seed?.trim() || null;
  registerSecret(seedLeft);

  const noKeychain = (error: unknown) => {
    if (!(error instanceof KeychainUnavailableError)) throw error;
    if (!inMemory) log.warn('no keychain: the session is kept in memory for this run', { entry });
    inMemory = true;
  };

  return {
    async load() {
      if (!inMemory) {
        try {
          const text = await keychain.get(entry);
          if (text) return parse(text);
        } catch (error) {
          noKeychain(error);
        }
      }
      return memory ?? (seedLeft ? { refreshToken: seedLeft } : null);
    },
    async save(session) {
      registerSecret(session.refreshToken);
      seedLeft = null; // spent or replaced: it must not come back
      if (!inMemory) {
        try {
          await keychain.set(entry, JSON.stringify(session));
          memory = null;
          return;
        } catch (error) {
          noKeychain(error);
        }
      }
      memory = session;
    },
    async clear() {
      const had = memory !== null || seedLeft !== null;
      memory = null;
      seedLeft = null;
      if (inMemory) return had;
      try {
        return (await keychain.delete(entry)) || had;
      } catch (error) {
        noKeychain(error);
        return had;
      }
    },
    async where() {
      if (!inMemory) {
        const { available } = await keychain.availability();
        if (!available) inMemory = true;
      }
      return inMemory ? 'memory' : 'keychain';
    },
  };
}

function parse(text: string): StoredSession | null {
  try {
    const value = JSON.parse(text) as Partial<StoredSession>;
    if (typeof value.refreshToken === 'string' && value.refreshToken) {
      registerSecret(value.refreshToken);
      return value as StoredSession;
    }
  } catch {
    // An entry written by hand: a bare refresh token.
  }
  const bare = text.trim();
  registerSecret(bare);
  return bare ? { refreshToken: bare } : null;
}
