import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ApiHandlers } from '../../main/engine/api/api-handlers.js';
import { KeychainUnavailableError } from '../../main/engine/secrets/secret-store.js';
import { pdf } from '../fixtures/scans.js';
import { GOOD_TOKEN, noKeychainStore, type Harness } from '../engine/api/api-harness.js';
import {
  axeViolations,
  inPage,
  openUi,
  SCREENSHOTS,
  type OpenUi,
  useBrowserUi,
} from './browser-harness.js';

let browser: Browser;
let h: Harness;
let open: OpenUi;
let page: Page;

useBrowserUi(
  { screenshots: SCREENSHOTS, harness: { token: null } },
  (ui) => ({ browser, h, open, page } = ui),
);

const goTo = async (tab: 'Account' | 'Folders' | 'Behaviour') => {
  await page.getByRole('tab', { name: tab }).click();
  await page.getByRole('heading', { level: 2, name: tab }).waitFor();
};

// Generous: a loaded 2-core CI machine runs Chromium, the engine and the sandbox at once.
describe('Settings in Chromium', { timeout: 60_000 }, () => {
  it('says sign-in is needed while no token is saved, and leads to the Account page', async () => {
    await h.drop('first-scan.pdf', await pdf({ pages: 1 }));
    await expect
      .poll(() => page.locator('.summary-title').textContent(), { timeout: 20_000 })
      .toContain('Paused — sign-in needed');
    expect(await page.locator('.banner.error').textContent()).toContain('Sign-in needed');
    await page.getByRole('button', { name: 'Open Account settings' }).click();
    await page.getByRole('heading', { level: 2, name: 'Account' }).waitFor();
    expect(h.sandbox.received()).toEqual([]);
  });

  it('saves a token to the keychain without showing it again, checks the connection, and uploads what waited', async () => {
    expect(await page.locator('.token-status').textContent()).toContain('No token saved yet');
    await page.getByRole('button', { name: 'Check connection' }).click();
    await expect
      .poll(() => page.locator('.result-slot').textContent())
      .toMatch(/No token is saved/);

    const field = page.getByLabel('Token', { exact: true });
    expect(await field.getAttribute('type')).toBe('password');
    await field.fill(GOOD_TOKEN);
    await page.getByRole('button', { name: 'Save token' }).click();
    await expect
      .poll(() => page.locator('.token-status').textContent())
      .toContain('A token is saved');
    expect(await page.getByLabel('Replace the token').inputValue()).toBe('');
    expect(await page.content()).not.toContain(GOOD_TOKEN);
    expect(h.secrets.entries.get(new URL(h.sandbox.url).origin)).toBe(GOOD_TOKEN);

    await page.getByRole('button', { name: 'Check connection' }).click();
    await expect
      .poll(() => page.locator('.result-slot').textContent())
      .toMatch(/token was accepted/);
    await h.waitForJob('first-scan.pdf', (j) => j.state === 'uploaded');
    await page.evaluate(inPage.blur);
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-account.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('refuses a base URL that is not https, next to the field and on Save', async () => {
    await page.getByLabel('Concur data center').selectOption('custom');
    const url = page.getByLabel('Concur address (base URL)');
    await url.fill('http://concur.example.com');
    const error = page.locator('.field-error', { hasText: 'Concur address' });
    // A sentence naming the field as shown, not the schema's words.
    await expect
      .poll(() => error.textContent())
      .toContain('The Concur address must start with https://');
    expect(await url.getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('button', { name: 'Save settings' }).click();
    const issues = page.locator('.save-issues');
    await expect
      .poll(() => issues.textContent())
      .toContain('The Concur address must start with https://');
    expect(await issues.textContent()).not.toContain('concur.baseUrl');
    expect(h.settingsStore.get().concur.baseUrl).toBe(h.sandbox.url);

    await page.getByRole('button', { name: 'Revert' }).click();
    await expect.poll(() => page.locator('.save-issues').count()).toBe(0);
  });

  it('validates a route as it is typed, naming the bad Concur id, and saves it once fixed', async () => {
    await goTo('Folders');
    expect(await page.getByLabel('Path', { exact: true }).inputValue()).toBe(h.root);
    await page.getByRole('button', { name: '+ Add route' }).click();
    await page.getByLabel('Subfolder of route 1').fill('Berlin');
    await page.getByLabel('Destination of route 1').selectOption('report');
    const id = page.getByLabel('Concur ID of route 1');
    await id.fill('bad id!');
    const error = page.locator('.field-error', { hasText: 'Folder 1, route 1: the Concur ID' });
    await expect
      .poll(() => error.textContent())
      .toContain('Folder 1, route 1: the Concur ID may only contain the letters A–Z');

    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(() => page.locator('.save-issues').textContent())
      .toContain('Folder 1, route 1: the Concur ID may only contain');
    expect(await page.locator('.save-issues').textContent()).not.toContain('folders.0');
    expect(h.settingsStore.get().folders[0].routes).toEqual([]);

    await id.fill('A2C40CEE415B43B2A0BE');
    await expect.poll(() => error.count()).toBe(0);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('.save-state').textContent()).toContain('Settings saved');
    expect(h.settingsStore.get().folders[0].routes).toEqual([
      { subfolder: 'Berlin', target: { kind: 'report', id: 'A2C40CEE415B43B2A0BE' } },
    ]);
    await page.evaluate(inPage.blur);
    await page.evaluate(inPage.scrollTop);
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-folders.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('adds a folder by its path in the browser view and watches it after Save', async () => {
    const extra = join(h.dir, 'Invoices');
    await mkdir(extra);
    await page.getByLabel(/Add a folder/).fill(extra);
    await page.getByRole('button', { name: 'Add folder' }).click();
    expect(await page.locator('#folder-1-path').inputValue()).toBe(extra);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('.save-state').textContent()).toContain('Settings saved');
    expect(h.engine.summary().roots).toContain(extra);
    // And remove it again.
    await page.getByRole('button', { name: `Remove watched folder ${extra}` }).click();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => h.engine.summary().roots).not.toContain(extra);
  });

  it('changes behaviour settings and refuses a concurrency out of range', async () => {
    await goTo('Behaviour');
    await page.getByLabel(/Leave it where it is/).check();
    const concurrency = page.getByLabel('Uploads at the same time');
    await concurrency.fill('12');
    await expect
      .poll(() =>
        page.locator('.field-error', { hasText: 'Uploads at the same time' }).textContent(),
      )
      .toContain('Uploads at the same time must be at most 8.');
    await concurrency.fill('3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('.save-state').textContent()).toContain('Settings saved');
    expect(h.settingsStore.get()).toMatchObject({ afterUpload: 'keep', concurrency: 3 });
    await page.evaluate(inPage.blur);
    await page.evaluate(inPage.scrollTop);
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-behaviour.png') });
    expect(await axeViolations(page)).toEqual([]);
    expect(open.pageErrors).toEqual([]);
  });

  it('moves between settings pages with the arrow keys', async () => {
    await page.getByRole('tab', { name: 'Behaviour' }).focus();
    await page.keyboard.press('ArrowUp');
    await page.getByRole('heading', { level: 2, name: 'Folders' }).waitFor();
    await expect.poll(() => page.evaluate(inPage.focusedText)).toBe('Folders');
  });

  it('says when saving or removing the token failed, and never leaves the token on screen', async () => {
    const handlers: ApiHandlers = {
      ...h.handlers,
      getSettings: async () => ({ ...(await h.handlers.getSettings()), signedIn: true }),
      setToken: () => Promise.reject(new Error('the keychain did not answer within 10 s')),
      clearToken: () => Promise.reject(new Error('the keychain is locked')),
    };
    const other = await openUi(browser, { ...h, handlers }, '#settings/account');
    try {
      const p = other.page;
      const result = p.locator('p.result');
      await p.getByRole('button', { name: 'Remove token' }).click();
      await expect.poll(() => result.textContent()).toMatch(/not removed.*keychain is locked/s);
      expect(await result.getAttribute('class')).toContain('is-error');

      const field = p.getByLabel('Replace the token');
      await field.fill('typed-secret-4711');
      await p.getByRole('button', { name: 'Save token' }).click();
      await expect.poll(() => result.textContent()).toMatch(/did not answer/);
      expect(await field.inputValue()).toBe('');
    } finally {
      await other.close();
    }
  });

  it('in the desktop app: adds a folder with the native picker, and explains a missing keychain', async () => {
    const picked = join(h.dir, 'Desktop scans');
    await mkdir(picked);
    // The same handlers the shell builds: desktop mode, a picker, and a machine with no keychain.
    // What Linux without a desktop session answers: its reason must not reach the window.
    const dbus = new KeychainUnavailableError('Cannot autolaunch D-Bus without X11 $DISPLAY');
    const handlers = h.handlersWith({
      secrets: {
        ...noKeychainStore(),
        availability: async () => ({ available: false, message: dbus.message }),
      },
      mode: 'desktop',
      pickFolder: async () => picked,
    });
    const desktop = await openUi(browser, { ...h, handlers }, '#settings/folders');
    try {
      const p = desktop.page;
      await p.getByRole('button', { name: 'Add folder…' }).click();
      await expect.poll(() => p.locator('#folder-1-path').inputValue()).toBe(picked);
      expect(await p.getByLabel(/Add a folder/).count()).toBe(0);

      await p.getByRole('tab', { name: 'Account' }).click();
      const note = p.locator('.banner.warn', { hasText: 'No keychain on this computer' });
      await expect
        .poll(() => note.textContent())
        .toContain('No keychain is available on this computer');
      // The system's own reason is for the log, not for the person.
      expect(await note.textContent()).not.toContain('D-Bus');
      expect(await p.getByLabel('Token', { exact: true }).isDisabled()).toBe(true);
      expect(desktop.pageErrors).toEqual([]);
    } finally {
      await desktop.close();
    }
  });
});
