import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keychainSecretStore } from '../../main/engine/secrets/secret-store.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/index.js';
import { CALL_NAMES, callChannel } from '../../preload/contract.js';
import { GIF, jpeg } from '../fixtures/scans.js';
import type { FakeNativeImage, FakeTray } from './fake-electron.js';
import { fake, ipcMain, type FakeBrowserWindow } from './fake-electron.js';
import { until } from './helpers.js';

/**
 * The whole shell as Electron would run it: main/app/index.ts imported, the
 * app made ready, a real engine on temp folders uploading to the sandbox on
 * 127.0.0.1 — only Electron itself is the stand-in.
 */

const TOKEN = 'app-test-token-0123';
let dataDir: string;
let scans: string;
let sandbox: Sandbox;
let tray: FakeTray;
let win: FakeBrowserWindow;
const savedToken = process.env.CONCUR_DROP_TOKEN;

beforeAll(async () => {
  fake.reset();
  dataDir = await mkdtemp(join(tmpdir(), 'concur-drop-app-data-'));
  scans = await mkdtemp(join(tmpdir(), 'concur-drop-app-scans-'));
  sandbox = await startSandbox({ token: TOKEN });
  await writeFile(
    join(dataDir, 'settings.json'),
    JSON.stringify({
      schemaVersion: 1,
      concur: { baseUrl: sandbox.url },
      folders: [{ path: scans }],
      settleMs: 200,
      batchWindowMs: 200,
    }),
  );
  process.env.CONCUR_DROP_TOKEN = TOKEN;
  fake.app.setPath('userData', dataDir);
  await import('../../main/app/index.js');
  fake.app.becomeReady();
  await until(() => fake.windows.length === 1 && fake.windows[0].isVisible(), 25_000);
  tray = fake.trays[0];
  win = fake.windows[0];
}, 40_000);

afterAll(async () => {
  if (!fake.app.quitted) fake.app.quit();
  await until(() => fake.app.quitted, 20_000).catch(() => {});
  if (savedToken === undefined) delete process.env.CONCUR_DROP_TOKEN;
  else process.env.CONCUR_DROP_TOKEN = savedToken;
  await sandbox.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(scans, { recursive: true, force: true });
});

const menuLabels = () => tray.menu?.labels() ?? [];

describe('the desktop app', () => {
  test('starts with one tray icon, the window, and one IPC handler per contract call', () => {
    expect(fake.app.lockRequests).toBe(1);
    expect(fake.trays).toHaveLength(1);
    expect((tray.image as FakeNativeImage).path).toMatch(/build[/\\]tray[/\\]idle-32\.png$/);
    expect((tray.image as FakeNativeImage).isEmpty()).toBe(false); // the committed icon exists
    expect(win.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true });
    expect(String(win.options.webPreferences?.preload)).toMatch(/out[/\\]preload[/\\]index\.cjs$/);
    expect([...ipcMain.handlers.keys()].sort()).toEqual(CALL_NAMES.map(callChannel).sort());
    expect(menuLabels()).toContain('Open Concur Drop');
  });

  test('logs go to the data folder and never hold the token', async () => {
    const log = await readFile(join(dataDir, 'logs', 'concur-drop.log'), 'utf8');
    expect(log).toContain('"module":"app"');
    expect(log).not.toContain(TOKEN);
  });

  test('a scan dropped into the watched folder is uploaded, and the tray and a notification say so', async () => {
    await writeFile(join(scans, 'taxi.jpg'), jpeg(20_000));
    await until(() => sandbox.received().length === 1, 25_000);
    await until(() => tray.tooltip.includes('1 uploaded today'), 15_000);
    expect(tray.menuSets).toBeGreaterThan(1); // the menu is set again on each change
    await until(() => fake.notifications.length > 0, 20_000);
    expect(fake.notifications[0].title).toBe('Receipt uploaded');
    expect(fake.notifications[0].body).toBe('taxi.jpg is in the receipt store.');
    fake.notifications[0].click();
    expect(win.isVisible()).toBe(true);
    expect(win.webContents.sent.some((m) => m.channel === 'concur-drop:event:focusJob')).toBe(true);
  }, 60_000);

  test('the window’s IPC calls reach the real engine', async () => {
    const summary = (await ipcMain.invokeFrom(
      win.webContents,
      win.webContents.mainFrame,
      callChannel('getSummary'),
    )) as { roots: string[] };
    expect(summary.roots).toHaveLength(1);
    const view = (await ipcMain.invokeFrom(
      win.webContents,
      win.webContents.mainFrame,
      callChannel('getSettings'),
    )) as { signedIn: boolean; settings: { folders: { path: string }[] } };
    expect(view.signedIn).toBe(true);
    expect(JSON.stringify(view)).not.toContain(TOKEN);
  });

  test('Pause and Resume in the tray menu hold and release uploads', async () => {
    tray.menu!.item('Pause uploads')!.click!();
    await until(() => menuLabels().includes('Resume uploads'));
    expect(tray.tooltip).toContain('Uploads paused');
    tray.menu!.item('Resume uploads')!.click!();
    await until(() => menuLabels().includes('Pause uploads'));
  });

  test('a tray click hides the window in front, and shows it again', () => {
    win.show();
    tray.emit('click');
    expect(win.isVisible()).toBe(false);
    tray.emit('click');
    expect(win.isVisible()).toBe(true);
  });

  test('the tray tells the truth about the OS keychain, and the app runs either way', async () => {
    // Plain `vitest` here has no Secret Service; scripts/with-keychain.sh provides one.
    const { available } = await keychainSecretStore().availability();
    const note = 'Keychain unavailable: the token cannot be stored';
    if (available) expect(menuLabels()).not.toContain(note);
    else expect(menuLabels()).toContain(note);
    expect(menuLabels()).toContain('Open Concur Drop');
  });

  test('a token saved from the window goes to the keychain, or the window is told why not', async () => {
    const keychain = keychainSecretStore();
    const { available } = await keychain.availability();
    const result = (await ipcMain.invokeFrom(
      win.webContents,
      win.webContents.mainFrame,
      callChannel('setToken'),
      'window-token-4567',
    )) as { ok: boolean; message: string };
    expect(result.message).not.toContain('window-token-4567');
    if (available) {
      expect(result.ok).toBe(true);
      expect(await keychain.get(new URL(sandbox.url).origin)).toBe('window-token-4567');
      await keychain.delete(new URL(sandbox.url).origin);
    } else {
      expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/keychain/i) });
      expect(menuLabels()).toContain('Keychain unavailable: the token cannot be stored');
    }
  });

  test('closing the window keeps the app in the tray; launching again brings it back', () => {
    win.close();
    expect(win.isDestroyed()).toBe(false);
    expect(win.isVisible()).toBe(false);
    fake.app.launchSecondInstance();
    expect(win.isVisible()).toBe(true);
  });

  test('a scan Concur cannot take turns the tray red, counts it for Retry, and is told with its reason', async () => {
    const before = fake.notifications.length;
    // A GIF cut short: GIFs are converted now, but this one cannot be read.
    await writeFile(join(scans, 'photo.gif'), GIF.subarray(0, 20));
    await until(() => menuLabels().includes('Retry failed (1)'), 25_000);
    expect((tray.image as FakeNativeImage).path).toMatch(/failed-32\.png$/);
    expect(tray.menu!.item('Retry failed')!.enabled).toBe(true);
    await until(() => fake.notifications.length > before, 20_000);
    const note = fake.notifications[fake.notifications.length - 1];
    expect(note.title).toBe('Upload failed: photo.gif');
    expect(note.body.length).toBeGreaterThan(10);
    expect(sandbox.received()).toHaveLength(1); // nothing was sent for it
  }, 60_000);

  test('Quit stops the engine, then the app exits', async () => {
    tray.menu!.item('Quit Concur Drop')!.click!();
    await until(() => fake.app.quitted, 20_000);
    expect(fake.app.quitCalls).toBe(2); // the first waited for the engine
    win.close();
    expect(win.isDestroyed()).toBe(true);
  }, 30_000);
});
