import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CONTENT_SECURITY_POLICY, setupWindow } from '../../main/app/window.js';
import { eventChannel } from '../../preload/contract.js';
import { fake, FakeBrowserWindow, FakeFrame } from './fake-electron.js';
import { until } from './helpers.js';

let dir: string;
let rendererFile: string;
const preloadFile = '/opt/concur-drop/resources/app.asar/out/preload/index.cjs';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-window-'));
  rendererFile = join(dir, 'index.html');
  await writeFile(rendererFile, '<!doctype html><title>Concur Drop</title>');
});
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeEach(() => fake.reset());

async function openWindow() {
  const window = setupWindow({ rendererFile, preloadFile });
  const win = window.browserWindow as unknown as FakeBrowserWindow;
  await until(() => win.webContents.getURL().startsWith('file:'));
  return { window, win };
}

describe('the status window', () => {
  test('is sandboxed and isolated, with no Node in the page, and loads our preload', async () => {
    const { win } = await openWindow();
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: preloadFile,
    });
    expect(win.loadedFile).toBe(rendererFile);
    expect(win.options.show).toBe(false); // starts in the tray
  });

  test('refuses navigation away from our page, but not a reload of it', async () => {
    const { win } = await openWindow();
    expect(win.webContents.tryNavigate('https://evil.example.com/')).toBe(false);
    expect(win.webContents.tryNavigate('file:///etc/passwd')).toBe(false);
    expect(win.webContents.tryNavigate(pathToFileURL(rendererFile).href + '#settings')).toBe(true);
  });

  test('refuses window.open and every permission request', async () => {
    const { win } = await openWindow();
    expect(win.webContents.tryOpenWindow('https://www.concursolutions.com/')).toBe('deny');
    for (const permission of ['notifications', 'media', 'geolocation', 'openExternal']) {
      expect(await win.webContents.session.requestPermission(win.webContents, permission)).toBe(
        false,
      );
    }
    expect(win.webContents.session.permissionCheckHandler?.()).toBe(false);
  });

  test('every response carries the strict Content-Security-Policy', async () => {
    const { win } = await openWindow();
    const headers = win.webContents.session.receiveHeaders(pathToFileURL(rendererFile).href, {
      'Content-Type': ['text/html'],
    });
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:/);
    // Strict (docs/architecture.md#security): no inline script or style; the page sets widths through the CSSOM.
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });

  test('closing hides the window instead of quitting; after quit starts it really closes', async () => {
    const { window, win } = await openWindow();
    window.show();
    win.close();
    expect(win.isDestroyed()).toBe(false);
    expect(win.isVisible()).toBe(false);
    window.allowClose();
    win.close();
    expect(win.isDestroyed()).toBe(true);
  });

  test('a tray click shows the hidden window and hides it again when in front', async () => {
    const { window, win } = await openWindow();
    window.toggle();
    expect(win.isVisible()).toBe(true);
    window.toggle();
    expect(win.isVisible()).toBe(false);
  });

  test('Settings opens the window on the settings page', async () => {
    const { window, win } = await openWindow();
    window.show('settings');
    expect(win.isVisible()).toBe(true);
    expect(new URL(win.webContents.getURL()).hash).toBe('#settings');
  });

  test('focusJob shows the window and tells the page which job', async () => {
    const { window, win } = await openWindow();
    window.focusJob('job-42');
    expect(win.isVisible()).toBe(true);
    expect(win.webContents.sent).toContainEqual({
      channel: eventChannel('focusJob'),
      args: ['job-42'],
    });
  });

  test('trusts only our page in our window’s main frame', async () => {
    const { window, win } = await openWindow();
    const wc = win.webContents;
    expect(window.isTrustedSender(wc as never, wc.mainFrame as never)).toBe(true);
    const sub = new FakeFrame(wc.mainFrame.url, wc.mainFrame);
    expect(window.isTrustedSender(wc as never, sub as never)).toBe(false);
    expect(
      window.isTrustedSender(wc as never, new FakeFrame('https://evil.example.com/') as never),
    ).toBe(false);
    const other = new FakeBrowserWindow();
    await other.loadFile(rendererFile);
    expect(
      window.isTrustedSender(other.webContents as never, other.webContents.mainFrame as never),
    ).toBe(false);
    expect(window.isTrustedSender(wc as never, null)).toBe(false);
  });
});
