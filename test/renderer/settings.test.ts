import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_TOKEN, startHarness, type Harness } from '../engine/api/api-harness.js';
import {
  axeViolations,
  ensureRendererBuilt,
  inPage,
  launchChromium,
  openUi,
  SCREENSHOTS,
  type OpenUi,
} from './browser-harness.js';

let browser: Browser;
let h: Harness;
let open: OpenUi;
let page: Page;

beforeAll(async () => {
  await ensureRendererBuilt();
  await mkdir(SCREENSHOTS, { recursive: true });
  [browser, h] = await Promise.all([launchChromium(), startHarness({ token: null })]);
  open = await openUi(browser, h, '#settings/account');
  page = open.page;
}, 120_000);
afterAll(async () => {
  await open?.close();
  await browser?.close();
  await h?.close();
});

const goTo = async (tab: 'Account' | 'Folders' | 'Behaviour') => {
  await page.getByRole('tab', { name: tab }).click();
  await page.getByRole('heading', { level: 2, name: tab }).waitFor();
};

describe('Settings in Chromium', () => {
  it('saves a token to the keychain without showing it again, and checks the connection', async () => {
    await page.getByRole('heading', { level: 2, name: 'Account' }).waitFor();
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
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-account.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('refuses a base URL that is not https, next to the field and on Save', async () => {
    await page.getByLabel('Concur data center').selectOption('custom');
    const url = page.getByLabel('Concur address (base URL)');
    await url.fill('http://concur.example.com');
    const error = page.locator('.field-error', { hasText: 'Concur address' });
    await expect.poll(() => error.textContent()).toMatch(/must use https/);
    expect(await url.getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('button', { name: 'Save settings' }).click();
    const issues = page.locator('.save-issues');
    await expect.poll(() => issues.textContent()).toContain('concur.baseUrl');
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
    const error = page.locator('.field-error', { hasText: 'Concur ID of route 1' });
    await expect.poll(() => error.textContent()).toMatch(/a Concur id is 1–128 characters/);

    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(() => page.locator('.save-issues').textContent())
      .toContain('folders.0.routes.0.target.id');
    expect(h.settingsStore.get().folders[0].routes).toEqual([]);

    await id.fill('A2C40CEE415B43B2A0BE');
    await expect.poll(() => error.count()).toBe(0);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('.save-state').textContent()).toContain('Settings saved');
    expect(h.settingsStore.get().folders[0].routes).toEqual([
      { subfolder: 'Berlin', target: { kind: 'report', id: 'A2C40CEE415B43B2A0BE' } },
    ]);
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-folders.png'), fullPage: true });
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
      .toMatch(/8/);
    await concurrency.fill('3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('.save-state').textContent()).toContain('Settings saved');
    expect(h.settingsStore.get()).toMatchObject({ afterUpload: 'keep', concurrency: 3 });
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
});
