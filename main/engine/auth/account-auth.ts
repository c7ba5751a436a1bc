import type { Clock, SecretStore } from '../ports.js';
import type { ConcurSettings, OAuth2Settings } from '../settings/schema.js';
import {
  CLIENT_SECRET_ENV,
  clientSecretEntry,
  keychainSessionStore,
  REFRESH_TOKEN_ENV,
  sessionEntry,
  type SessionStore,
} from './session-store.js';
import { TokenManager, type SignInState } from './token-manager.js';

/**
 * An OAuth2 account's parts, as every host builds them
 * (docs/architecture.md#signing-in-to-concur): its session in the keychain
 * (seeded by CONCUR_DROP_REFRESH_TOKEN), its client secret
 * (CONCUR_DROP_CLIENT_SECRET, else the keychain) and its token manager.
 */

export { DEFAULT_ACCOUNT } from '../settings/accounts.js';
import { DEFAULT_ACCOUNT } from '../settings/accounts.js';

export interface OAuth2Account {
  name: string;
  baseUrl: string;
  oauth2: OAuth2Settings;
  manager: TokenManager;
  sessions: SessionStore;
  clientSecret(): Promise<string | null>;
  /** The keychain entry the client secret is stored under. */
  clientSecretEntry: string;
}

export function oauth2Account(
  concur: ConcurSettings & { oauth2: OAuth2Settings },
  options: {
    name?: string;
    keychain: SecretStore;
    env?: NodeJS.ProcessEnv;
    clock?: Clock;
    onChange?: (state: SignInState) => void;
  },
): OAuth2Account {
  const env = options.env ?? process.env;
  const name = options.name ?? DEFAULT_ACCOUNT;
  const account = { name, baseUrl: concur.baseUrl, clientId: concur.oauth2.clientId };
  const sessions = keychainSessionStore(
    options.keychain,
    sessionEntry(account),
    env[REFRESH_TOKEN_ENV],
  );
  const secretEntry = clientSecretEntry(account);
  const clientSecret = async () => {
    const fromEnv = env[CLIENT_SECRET_ENV]?.trim();
    if (fromEnv) return fromEnv;
    try {
      return await options.keychain.get(secretEntry);
    } catch {
      return null; // no keychain: said by the sign-in's own message
    }
  };
  const manager = new TokenManager({
    account: { baseUrl: concur.baseUrl, clientId: concur.oauth2.clientId },
    sessions,
    clientSecret,
    clock: options.clock,
    onChange: options.onChange,
  });
  return {
    name,
    baseUrl: concur.baseUrl,
    oauth2: concur.oauth2,
    manager,
    sessions,
    clientSecret,
    clientSecretEntry: secretEntry,
  };
}

/** True when this `concur` block signs in with OAuth2. */
export function usesOAuth2(
  concur: ConcurSettings,
): concur is ConcurSettings & { oauth2: OAuth2Settings } {
  return concur.oauth2 !== undefined;
}
