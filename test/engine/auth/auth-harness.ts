import { keychainSessionStore } from '../../../main/engine/auth/session-store.js';
import { TokenManager, type TokenManagerOptions } from '../../../main/engine/auth/token-manager.js';
import type { SecretStore } from '../../../main/engine/ports.js';
import { KeychainUnavailableError } from '../../../main/engine/secrets/secret-store.js';
import { SANDBOX_APP } from '../../../main/sandbox/oauth2.js';

/**
 * A TokenManager for the sandbox's app registration over an in-memory secret
 * store (the keychain's port), and the engine options that hand it to the engine.
 */

/** The keychain's port in memory; `unavailable` plays a machine without a Secret Service. */
export function memorySecrets(unavailable = false): SecretStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  const check = () => {
    if (unavailable) throw new KeychainUnavailableError('no Secret Service in this test');
  };
  return {
    entries,
    async get(account) {
      check();
      return entries.get(account) ?? null;
    },
    async set(account, secret) {
      check();
      entries.set(account, secret);
    },
    async delete(account) {
      check();
      return entries.delete(account);
    },
    async availability() {
      return unavailable ? { available: false, message: 'none' } : { available: true };
    },
  };
}

export function sandboxManager(
  baseUrl: string,
  seed: string | null,
  extra: Partial<TokenManagerOptions> & { secrets?: SecretStore } = {},
): { manager: TokenManager; secrets: SecretStore } {
  const secrets = extra.secrets ?? memorySecrets();
  const manager = new TokenManager({
    account: { baseUrl, clientId: SANDBOX_APP.clientId },
    sessions: keychainSessionStore(secrets, 'oauth2/default@test', seed),
    clientSecret: async () => SANDBOX_APP.clientSecret,
    ...extra,
  });
  return { manager, secrets };
}
