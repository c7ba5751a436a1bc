import { afterEach, describe, expect, it } from 'vitest';
import { redact } from '../../../main/engine/log/logger.js';
import {
  accountFor,
  envSecretStore,
  keychainSecretStore,
  layeredSecretStore,
  KeychainUnavailableError,
  tokenSource,
} from '../../../main/engine/secrets/secret-store.js';
import type { SecretStore } from '../../../main/engine/ports.js';

// The real Secret Service exists only inside scripts/with-keychain.sh (npm test).
const keychain = process.env.CONCUR_DROP_KEYCHAIN === 'available';
if (!keychain)
  console.log(
    'secret-store: keychain tests skipped: CONCUR_DROP_KEYCHAIN is not "available" (run under scripts/with-keychain.sh)',
  );

/** A keychain stand-in for precedence tests: a plain map, not a mock of keytar. */
function mapStore(entries: Record<string, string> = {}): SecretStore {
  const map = new Map(Object.entries(entries));
  return {
    get: async (a) => map.get(a) ?? null,
    set: async (a, s) => void map.set(a, s),
    delete: async (a) => map.delete(a),
    availability: async () => ({ available: true }),
  };
}

describe('accountFor', () => {
  it('uses the base URL origin as the keychain account', () => {
    expect(accountFor('https://us.api.concursolutions.com/some/path')).toBe(
      'https://us.api.concursolutions.com',
    );
    expect(accountFor('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
  });
});

describe('envSecretStore', () => {
  it('reads CONCUR_DROP_TOKEN trimmed and refuses to change it', async () => {
    const store = envSecretStore({ CONCUR_DROP_TOKEN: '  tok-from-env \n' });
    expect(await store.get('https://x')).toBe('tok-from-env');
    await expect(store.set('https://x', 'y')).rejects.toThrow(/CONCUR_DROP_TOKEN/);
    await expect(store.delete('https://x')).rejects.toThrow(/CONCUR_DROP_TOKEN/);
    expect(await envSecretStore({}).get('https://x')).toBeNull();
  });

  it('redacts the environment token from log text once read', async () => {
    await envSecretStore({ CONCUR_DROP_TOKEN: 'env-secret-4711' }).get('https://x');
    expect(redact('sent env-secret-4711 to Concur')).not.toContain('env-secret-4711');
  });
});

describe('layeredSecretStore', () => {
  it('reads the environment first and writes only to the keychain', async () => {
    const keychainStore = mapStore({ 'https://x': 'stored' });
    const layered = layeredSecretStore(envSecretStore({ CONCUR_DROP_TOKEN: 'env' }), keychainStore);
    expect(await layered.get('https://x')).toBe('env');
    await layered.set('https://x', 'new');
    expect(await keychainStore.get('https://x')).toBe('new');
    const keychainOnly = layeredSecretStore(envSecretStore({}), keychainStore);
    expect(await keychainOnly.get('https://x')).toBe('new');
    expect(await keychainOnly.delete('https://x')).toBe(true);
    expect(await keychainOnly.get('https://x')).toBeNull();
  });
});

describe('tokenSource', () => {
  const base = 'https://www.concursolutions.com/';
  const account = 'https://www.concursolutions.com';

  it('prefers the environment variable over the keychain', async () => {
    const source = tokenSource(base, {
      env: envSecretStore({ CONCUR_DROP_TOKEN: 'from-env' }),
      keychain: mapStore({ [account]: 'from-keychain' }),
    });
    expect(await source.lookup()).toEqual({ token: 'from-env', origin: 'environment' });
  });

  it('falls back to the keychain entry for the base URL origin', async () => {
    const source = tokenSource(base, {
      env: envSecretStore({}),
      keychain: mapStore({ [account]: 'from-keychain', 'https://other': 'no' }),
    });
    expect(await source.getToken()).toBe('from-keychain');
  });

  it('returns no token with a reason instead of throwing when the keychain is unreachable', async () => {
    const broken: SecretStore = {
      ...mapStore(),
      get: async () => {
        throw new KeychainUnavailableError('Could not connect');
      },
    };
    const source = tokenSource(base, { env: envSecretStore({}), keychain: broken });
    expect(await source.getToken()).toBeNull();
    const found = await source.lookup();
    expect(found.token).toBeNull();
    expect('reason' in found && found.reason).toMatch(/set CONCUR_DROP_TOKEN instead/);
  });

  it('says how to store a token when there is none', async () => {
    const found = await tokenSource(base, {
      env: envSecretStore({}),
      keychain: mapStore(),
    }).lookup();
    expect('reason' in found && found.reason).toMatch(/token set/);
  });
});

describe('keychainSecretStore against the real Secret Service', () => {
  const service = `Concur Drop test ${process.pid}`;
  const account = 'https://emea.api.concursolutions.com';
  afterEach(async () => {
    if (keychain) await keychainSecretStore(service).delete(account);
  });

  it.skipIf(!keychain)('stores, reads, replaces and deletes a token', async () => {
    const store = keychainSecretStore(service);
    expect(await store.availability()).toEqual({ available: true });
    expect(await store.get(account)).toBeNull();
    await store.set(account, 'first-token-1234');
    expect(await store.get(account)).toBe('first-token-1234');
    await store.set(account, 'second-token-5678');
    expect(await store.get(account)).toBe('second-token-5678');
    expect(await store.delete(account)).toBe(true);
    expect(await store.get(account)).toBeNull();
    expect(await store.delete(account)).toBe(false);
  });

  it.skipIf(!keychain)('keeps tokens of different base URLs apart', async () => {
    const store = keychainSecretStore(service);
    await store.set(account, 'emea-token');
    expect(await store.get('https://us.api.concursolutions.com')).toBeNull();
  });
});
