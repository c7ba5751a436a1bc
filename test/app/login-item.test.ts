import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  applyLoginItem,
  autostartFile,
  desktopEntry,
  setupLoginItem,
  wantsLoginItem,
} from '../../main/app/login-item.js';
import { parseSettings, type Settings } from '../../main/engine/settings/schema.js';
import { fake } from './fake-electron.js';
import { until } from './helpers.js';

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  fake.reset();
  home = await mkdtemp(join(tmpdir(), 'concur-drop-home-'));
  env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
});
afterEach(() => rm(home, { recursive: true, force: true }));

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
const withFolder = parseSettings({ folders: [{ path: '/home/anna/Scans' }] });

describe('start at login', () => {
  test('on Windows it registers with the OS, starting hidden', async () => {
    await applyLoginItem(true, {
      platform: 'win32',
      exePath: 'C:\\Program Files\\Concur Drop\\Concur Drop.exe',
    });
    expect(fake.app.loginItemCalls).toEqual([
      {
        openAtLogin: true,
        path: 'C:\\Program Files\\Concur Drop\\Concur Drop.exe',
        args: ['--hidden'],
      },
    ]);
    await applyLoginItem(false, { platform: 'win32', exePath: 'C:\\x.exe' });
    expect(fake.app.loginItem.openAtLogin).toBe(false);
  });

  test('on macOS it registers with the OS', async () => {
    await applyLoginItem(true, { platform: 'darwin', exePath: '/Applications/Concur Drop.app' });
    expect(fake.app.loginItemCalls).toHaveLength(1);
    expect(fake.app.loginItemCalls[0].openAtLogin).toBe(true);
  });

  test('on Linux it writes an XDG autostart entry and removes it when turned off', async () => {
    const file = join(home, '.config', 'autostart', 'concur-drop.desktop');
    expect(autostartFile(env)).toBe(file);
    await applyLoginItem(true, { platform: 'linux', exePath: '/opt/Concur Drop/concur-drop', env });
    const text = await readFile(file, 'utf8');
    expect(text).toContain('[Desktop Entry]');
    expect(text).toContain('Type=Application');
    expect(text).toContain('Exec="/opt/Concur Drop/concur-drop" --hidden');
    expect(fake.app.loginItemCalls).toEqual([]);
    await applyLoginItem(false, { platform: 'linux', exePath: '/x', env });
    expect(await exists(file)).toBe(false);
  });

  test('without XDG_CONFIG_HOME the entry goes to ~/.config/autostart', () => {
    expect(autostartFile({ HOME: home })).toBe(
      join(home, '.config', 'autostart', 'concur-drop.desktop'),
    );
  });

  test('quotes an executable path with special characters as the desktop spec asks', () => {
    expect(desktopEntry('/home/a b/$HOME/"x"')).toContain(
      'Exec="/home/a b/\\$HOME/\\"x\\"" --hidden',
    );
  });

  test('is on by default once a folder is set up, and follows the setting', () => {
    expect(wantsLoginItem(parseSettings({}))).toBe(false); // no setup yet
    expect(wantsLoginItem(withFolder)).toBe(true);
    expect(wantsLoginItem({ ...withFolder, startAtLogin: false })).toBe(false);
  });

  test('the packaged app applies the setting at start and whenever it changes', async () => {
    let current: Settings = withFolder;
    const listeners: ((s: Settings) => void)[] = [];
    const settings = {
      get: () => current,
      onChange: (l: (s: Settings) => void) => (listeners.push(l), () => {}),
    };
    const file = autostartFile(env);
    setupLoginItem(settings, {
      platform: 'linux',
      exePath: '/opt/concur-drop',
      env,
      packaged: true,
    });
    await until(() => exists(file));
    current = { ...withFolder, startAtLogin: false };
    listeners.forEach((l) => l(current));
    await until(async () => !(await exists(file)));
  });

  test('a development run never registers itself at login', async () => {
    const settings = { get: () => withFolder, onChange: () => () => {} };
    setupLoginItem(settings, { platform: 'win32', exePath: '/x', env, packaged: false });
    expect(fake.app.loginItemCalls).toEqual([]);
  });
});
