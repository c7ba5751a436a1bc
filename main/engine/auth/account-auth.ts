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
 * (seeded by CONCUR_DROP_REFRESH_TOKEN_<NAME>, or CONCUR_DROP_REFRESH_TOKEN for
 * the first account), its client secret (CONCUR_DROP_CLIENT_SECRET_<NAME>, else
 * CONCUR_DROP_CLIENT_SECRET, else the keychain) and its token manager.
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
  /** The variable that seeds this account's refresh token (said when a restart will need it). */
  refreshTokenEnv: string;
}

/**
 * `CONCUR_DROP_REFRESH_TOKEN` + `_ALICE_EXAMPLE_COM` for "alice@example.com":
 * variable names allow only letters, digits and `_`.
 */
export function accountEnv(base: string, name: string): string {
  return `${base}_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function oauth2Account(
  concur: ConcurSettings & { oauth2: OAuth2Settings },
  options: {
    name?: string;
    /**
     * The first (default) account of the settings: the only one the bare
     * CONCUR_DROP_REFRESH_TOKEN seeds, so one user's sign-in never becomes
     * every account's. Default: when named "default".
     */
    first?: boolean;
    keychain: SecretStore;
    env?: NodeJS.ProcessEnv;
    clock?: Clock;
    onChange?: (state: SignInState) => void;
  },
): OAuth2Account {
  const env = options.env ?? process.env;
  const name = options.name ?? DEFAULT_ACCOUNT;
  const first = options.first ?? name === DEFAULT_ACCOUNT;
  const account = { name, baseUrl: concur.baseUrl, clientId: concur.oauth2.clientId };
  const ownSeed = accountEnv(REFRESH_TOKEN_ENV, name);
  const seedEnv = first && !env[ownSeed]?.trim() ? REFRESH_TOKEN_ENV : ownSeed;
  const sessions = keychainSessionStore(options.keychain, sessionEntry(account), env[seedEnv]);
  const secretEntry = clientSecretEntry(account);
  // The app registration's secret is the company's, usually shared by every account: the bare
  // variable serves all of them, a named one an account registered apart.
  const clientSecret = async () => {
    const fromEnv =
      env[accountEnv(CLIENT_SECRET_ENV, name)]?.trim() || env[CLIENT_SECRET_ENV]?.trim();
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
    refreshTokenEnv: seedEnv,
  };
}

/** True when this `concur` block signs in with OAuth2. */
export function usesOAuth2(
  concur: ConcurSettings,
): concur is ConcurSettings & { oauth2: OAuth2Settings } {
  return concur.oauth2 !== undefined;
}
