import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openSettingsStore } from '../../main/app/settings-store.js';
import { SETTINGS_VERSION } from '../../main/app/settings-migrations.js';
import { translator } from '../../main/engine/i18n/translate.js';
import { KeychainUnavailableError } from '../../main/engine/secrets/secret-store.js';

let dir: string;
/** The keychain as the store sees it: an in-memory port (the real one is tested with the secret store). */
let keychain: Map<string, string>;
const saveLegacyToken = async (baseUrl: string, token: string) => {
  keychain.set(new URL(baseUrl).origin, token);
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-settings-'));
  keychain = new Map();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settingsFile = () => join(dir, 'settings.json');
const readStored = async () => JSON.parse(await readFile(settingsFile(), 'utf8'));

describe('the settings store', () => {
  test('starts with the default settings and writes them with the schema version', async () => {
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    expect(store.get().concur.baseUrl).toBe('https://www.concursolutions.com');
    expect(store.get().folders).toEqual([]);
    expect(store.warning).toBeUndefined();
    expect(await readStored()).toMatchObject({
      schemaVersion: SETTINGS_VERSION,
      afterUpload: 'move',
    });
  });

  test('keeps saved settings across a restart', async () => {
    const first = await openSettingsStore({ cwd: dir, saveLegacyToken });
    const result = await first.save({
      ...first.get(),
      folders: [{ path: '/scans', routes: [] }],
      notifications: false,
    });
    expect(result).toEqual({ ok: true });
    const again = await openSettingsStore({ cwd: dir, saveLegacyToken });
    expect(again.get().folders).toEqual([
      {
        path: '/scans',
        polling: false,
        unmatched: 'receipt',
        routes: [],
        split: 'none',
        blankPages: 'keep',
      },
    ]);
    expect(again.get().notifications).toBe(false);
  });

  test('refuses bad values, naming the key, and keeps the previous settings', async () => {
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    const result = await store.save({
      concur: { baseUrl: 'http://concur.example.com' },
      folders: [
        {
          path: '/scans',
          routes: [{ subfolder: 'x', target: { kind: 'report', id: 'no spaces' } }],
        },
      ],
      concurrency: 99,
    });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.some((i) => i.startsWith('concur.baseUrl:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('folders.0.routes.0.target.id:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('concurrency:'))).toBe(true);
    expect(store.get().concurrency).toBe(2);
    expect((await readStored()).concurrency).toBe(2);
  });

  test('refuses an unknown key by name', async () => {
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    const result = await store.save({ ...store.get(), colour: 'blue' });
    expect(result).toEqual({ ok: false, issues: ['unknown key "colour"'] });
  });

  test('tells listeners about saved settings', async () => {
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    const seen: boolean[] = [];
    const off = store.onChange((s) => seen.push(s.notifications));
    await store.save({ ...store.get(), notifications: false });
    off();
    await store.save({ ...store.get(), notifications: true });
    expect(seen).toEqual([false]);
  });

  test('migrates a v0 settings file and moves its token into the keychain', async () => {
    await writeFile(
      settingsFile(),
      JSON.stringify({
        baseUrl: 'https://emea.api.concursolutions.com',
        token: 'legacy-token-123',
        folders: ['/home/anna/Scans', 'D:\\Scanner'],
      }),
    );
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    expect(store.warning).toBeUndefined();
    expect(store.get().concur.baseUrl).toBe('https://emea.api.concursolutions.com');
    expect(store.get().folders.map((f) => f.path)).toEqual(['/home/anna/Scans', 'D:\\Scanner']);
    expect(keychain.get('https://emea.api.concursolutions.com')).toBe('legacy-token-123');
    const text = await readFile(settingsFile(), 'utf8');
    expect(text).not.toContain('legacy-token-123');
    expect(JSON.parse(text).schemaVersion).toBe(SETTINGS_VERSION);
  });

  test('removes an old token from the file even when the keychain refuses it, and says so', async () => {
    await writeFile(
      settingsFile(),
      JSON.stringify({
        baseUrl: 'https://www.concursolutions.com',
        token: 'legacy-token-456',
        folders: [],
      }),
    );
    const store = await openSettingsStore({
      cwd: dir,
      saveLegacyToken: async () => {
        throw new Error('no Secret Service');
      },
    });
    expect(store.warning).toMatch(/could not be saved to the keychain \(no Secret Service\)/);
    const files = await readdir(dir);
    for (const name of files) {
      expect(await readFile(join(dir, name), 'utf8')).not.toContain('legacy-token-456');
    }
  });

  test("says why the keychain refused an old token in the window's language, not the keychain's words", async () => {
    await writeFile(
      settingsFile(),
      JSON.stringify({
        baseUrl: 'https://www.concursolutions.com',
        token: 'legacy-789',
        folders: [],
      }),
    );
    const store = await openSettingsStore({
      cwd: dir,
      saveLegacyToken: async () => {
        throw new KeychainUnavailableError('Cannot autolaunch D-Bus without X11 $DISPLAY');
      },
    });
    const german = store.warningText!.map((text) => translator('de').say(text)).join(' ');
    expect(german).toMatch(/Schlüsselbund/);
    expect(german).not.toMatch(/D-Bus|keychain/);
  });

  test('keeps a corrupt settings file as a backup and reports it instead of resetting silently', async () => {
    await writeFile(settingsFile(), '{"schemaVersion":1,"folders":[{"path":"/scans"');
    const store = await openSettingsStore({
      cwd: dir,
      saveLegacyToken,
      now: () => Date.UTC(2026, 10, 29, 8, 30),
    });
    const backup = 'settings.corrupt-2026-11-29T08-30-00-000Z.json';
    expect(await readdir(dir)).toContain(backup);
    expect(await readFile(join(dir, backup), 'utf8')).toBe(
      '{"schemaVersion":1,"folders":[{"path":"/scans"',
    );
    expect(store.warning).toMatch(/not valid JSON/);
    expect(store.warning).toContain(backup);
    expect(store.get().folders).toEqual([]);
    // The new file is usable again.
    expect((await readStored()).schemaVersion).toBe(SETTINGS_VERSION);
  });

  test('keeps a settings file with invalid values as a backup, naming the bad key', async () => {
    const original = JSON.stringify({ schemaVersion: 1, concurrency: 0, afterUpload: 'shred' });
    await writeFile(settingsFile(), original);
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    expect(store.warning).toMatch(/concurrency:/);
    expect(store.warning).toMatch(/afterUpload:/);
    const backups = (await readdir(dir)).filter((f) => f.startsWith('settings.corrupt-'));
    expect(backups).toHaveLength(1);
    expect(await readFile(join(dir, backups[0]), 'utf8')).toBe(original);
    expect(store.get().concurrency).toBe(2);
  });

  test('keeps no token in the backup of a broken or invalid settings file', async () => {
    // Unreadable JSON with a token in it: the backup keeps the rest, never the token.
    await writeFile(settingsFile(), '{"concur":{"accessToken":"hand-typed-secret-1"},"folders":[');
    let store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    expect(store.warning).toMatch(/not valid JSON/);
    // Valid JSON, invalid settings, a token added by hand: it goes to the keychain instead.
    await writeFile(
      settingsFile(),
      JSON.stringify({ schemaVersion: 1, token: 'hand-typed-secret-2' }),
    );
    store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    expect(store.warning).toMatch(/token/);
    expect([...keychain.values()]).toContain('hand-typed-secret-2');
    const backups = (await readdir(dir)).filter((f) => f.startsWith('settings.corrupt-'));
    expect(backups.length).toBeGreaterThanOrEqual(1);
    for (const name of await readdir(dir)) {
      const text = await readFile(join(dir, name), 'utf8');
      expect(text).not.toContain('hand-typed-secret-1');
      expect(text).not.toContain('hand-typed-secret-2');
    }
  });

  test('a successful save clears the recovery warning', async () => {
    await writeFile(settingsFile(), 'not json');
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    expect(store.warning).toBeDefined();
    await store.save(store.get());
    expect(store.warning).toBeUndefined();
  });

  test('does not rewrite a file from a newer version of the app', async () => {
    await writeFile(settingsFile(), JSON.stringify({ schemaVersion: 99, future: true }));
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken });
    expect(store.warning).toMatch(/newer Concur Drop/);
    const backups = (await readdir(dir)).filter((f) => f.startsWith('settings.corrupt-'));
    expect(JSON.parse(await readFile(join(dir, backups[0]), 'utf8'))).toEqual({
      schemaVersion: 99,
      future: true,
    });
  });
});
