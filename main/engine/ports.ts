import type { Message } from './i18n/translate.js';
import type { SaveResult } from '../../preload/contract.js';
import type { Settings } from './settings/schema.js';

/**
 * The ports the engine and its hosts are built from (docs/architecture.md#how-the-code-reads: ports, not
 * globals). Tests build them from real parts on temp folders.
 */

/** Where settings live: electron-store in the app, the JSON config file in the CLI. */
export interface SettingsStore {
  get(): Settings;
  /** Validates with the engine's schema and persists; issues name the key. */
  save(input: unknown): Promise<SaveResult>;
  /** Set when the stored settings could not be used as they were (e.g. corrupt file kept as a backup). */
  readonly warning?: string;
  /** `warning` as catalog keys, for the user's language. */
  readonly warningText?: Message[];
  /** Settings the organisation's policy holds ("concur.baseUrl", "folders"): read-only in the UI. */
  readonly locked?: readonly string[];
}

/** The OS keychain (or the CONCUR_DROP_TOKEN variable). Accounts are base-URL origins. */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
  /** Whether a keychain can be used here, with a message a user can act on when not. */
  availability(): Promise<{ available: boolean; message?: string }>;
}

/** Time, injected so tests need not sleep through backoffs. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * An account's access tokens when they renew themselves (OAuth2,
 * docs/architecture.md#signing-in-to-concur): the Concur client asks for one
 * per upload. `token()` throws auth/token-unavailable.ts's TokenUnavailable.
 */
export interface AccessTokens {
  token(): Promise<string>;
  /** Concur refused `token` (401/403): true when a different token is worth one more try. */
  refused(token: string): Promise<boolean>;
  /** Where the account's calls go now (its geolocation, else the configured base URL). */
  baseUrl(): string;
}
