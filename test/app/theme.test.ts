import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openSettingsStore } from '../../main/app/settings-store.js';
import { setupTheme } from '../../main/app/theme.js';
import { fake } from './fake-electron.js';

let dir: string;
beforeEach(async () => {
  fake.reset();
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-theme-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the window theme', () => {
  test('follows the OS by default, and the setting once light or dark is saved', async () => {
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken: async () => undefined });
    expect(store.get().theme).toBe('system');
    fake.nativeTheme.themeSource = 'light'; // whatever was there before: the setting wins at start
    const stop = setupTheme(store);
    expect(fake.nativeTheme.themeSource).toBe('system');

    expect(await store.save({ ...store.get(), theme: 'dark' })).toEqual({ ok: true });
    expect(fake.nativeTheme.themeSource).toBe('dark');
    expect(await store.save({ ...store.get(), theme: 'light' })).toEqual({ ok: true });
    expect(fake.nativeTheme.themeSource).toBe('light');

    // A theme that is not one of the three is refused, and the window keeps its colours.
    const refused = await store.save({ ...store.get(), theme: 'purple' });
    expect(refused.ok).toBe(false);
    expect(fake.nativeTheme.themeSource).toBe('light');
    stop();
  });
});
