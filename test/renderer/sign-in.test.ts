import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInPort } from '../../main/engine/api/sign-in-port.js';
import { oauth2Account } from '../../main/engine/auth/account-auth.js';
import { SANDBOX_USER, type SandboxUser } from '../../main/sandbox/oauth2.js';
import { memorySecretStore, startHarness, type Harness } from '../engine/api/api-harness.js';
import {
  axeViolations,
  ensureRendererBuilt,
  inPage,
  launchChromium,
  openUi,
  SCREENSHOTS,
  type OpenUi,
} from './browser-harness.js';

/**
 * Settings → Account → "Sign in with SAP Concur" in real Chromium: the button,
 * the sandbox's sign-in page in a second tab (the "system browser"), then who
 * is signed in and since when, and Sign out.
 */

let browser: Browser;
let h: Harness;
let open: OpenUi;
let oauth2: { clientId: string; redirectUri: string; scope: string };
const clientSecret = `ui-${randomBytes(10).toString('hex')}`;

beforeAll(async () => {
  await ensureRendererBuilt();
  await mkdir(SCREENSHOTS, { recursive: true });
  [browser, h] = await Promise.all([launchChromium(), startHarness({ token: null })]);
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const redirectUri = `http://127.0.0.1:${(server.address() as { port: number }).port}/callback`;
  await new Promise((r) => server.close(r));
  h.sandbox.oauth2.apps.set('ui-app', {
    clientId: 'ui-app',
    clientSecret,
    redirectUris: [redirectUri],
  });
  oauth2 = { clientId: 'ui-app', redirectUri, scope: 'openid' };
  const saved = await h.settingsStore.save({
    ...h.settingsStore.get(),
    concur: { baseUrl: h.sandbox.url, authScheme: 'OAuth', oauth2 },
  });
  expect(saved).toEqual({ ok: true });
  const account = oauth2Account(
    { baseUrl: h.sandbox.url, authScheme: 'OAuth', oauth2 },
    { keychain: memorySecretStore(), env: { CONCUR_DROP_CLIENT_SECRET: clientSecret } },
  );
  const port = signInPort({
    account: () => account,
    // The "system browser": another tab, where the user signs in on Concur's page.
    openBrowser: async (url) => {
      const tab = await browser.newPage();
      await tab.goto(url);
      await tab.fill('input[name=username]', SANDBOX_USER.username);
      await tab.fill('input[name=password]', SANDBOX_USER.password);
      await tab.click('button[value=allow]');
      await tab.getByText('Concur Drop is signed in').waitFor();
      await tab.close();
    },
    changed: () => h.engine.tokenChanged(),
  });
  // The desktop's flow: main opens the system browser (here: the tab above).
  open = await openUi(
    browser,
    { ...h, handlers: h.handlersWith({ signIn: port, mode: 'desktop' }) },
    '#settings/account',
  );
}, 120_000);
afterAll(async () => {
  await open?.close();
  await browser?.close();
  await h?.close();
});

describe('Sign in with SAP Concur, in Chromium', { timeout: 60_000 }, () => {
  it('signs in through the browser, shows who and since when, and signs out', async () => {
    const { page } = open;
    await page.getByRole('heading', { level: 2, name: 'Account' }).waitFor();
    await page.getByText('Not signed in to SAP Concur.').waitFor();
    await page.getByRole('button', { name: 'Sign in with SAP Concur' }).click();
    const status = page.getByTestId('signed-in');
    await expect
      .poll(() => status.textContent(), { timeout: 30_000 })
      .toContain(`Signed in as ${SANDBOX_USER.name} since`);
    // The pasted token is tucked away under Advanced once sign-in is set up.
    expect(await page.locator('details.advanced').getAttribute('open')).toBeNull();
    const html = await page.content();
    for (const secret of [clientSecret, ...h.sandbox.oauth2.issuedSecrets()])
      expect(html).not.toContain(secret);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Not signed in to SAP Concur.').waitFor();
    expect(open.pageErrors).toEqual([]);
  });
});

const BOB: SandboxUser = {
  id: '5e3f0a9c-8b21-4d7e-a6c4-1b2d3e4f5a60',
  username: 'bob@example.com',
  password: 'sandbox-bob',
  name: 'Bob Example',
};

describe('Every account signs in from the Account page, in Chromium', { timeout: 60_000 }, () => {
  it('lists both accounts, says which needs sign-in, and signs in the second alone (screenshot)', async () => {
    h.sandbox.oauth2.users.set(BOB.id, BOB);
    const concur = { baseUrl: h.sandbox.url, authScheme: 'OAuth' as const, oauth2 };
    const saved = await h.settingsStore.save({
      ...h.settingsStore.get(),
      accounts: [
        { name: 'Alice', concur },
        { name: 'Bob', concur },
      ],
    });
    expect(saved).toEqual({ ok: true });
    const keychain = memorySecretStore();
    const env = { CONCUR_DROP_CLIENT_SECRET: clientSecret };
    const accounts = new Map(
      ['Alice', 'Bob'].map((name) => [name, oauth2Account(concur, { name, keychain, env })]),
    );
    const port = signInPort({
      account: (name) => accounts.get(name ?? 'Alice') ?? null,
      openBrowser: async (url) => {
        const tab = await browser.newPage();
        await tab.goto(url);
        await tab.fill('input[name=username]', BOB.username);
        await tab.fill('input[name=password]', BOB.password);
        await tab.click('button[value=allow]');
        await tab.getByText('Concur Drop is signed in').waitFor();
        await tab.close();
      },
      changed: (name) => h.engine.tokenChanged(name),
    });
    const two = await openUi(
      browser,
      h,
      '#settings/account',
      h.handlersWith({ signIn: port, mode: 'desktop' }),
    );
    try {
      const { page } = two;
      const alice = page.locator('li.account[data-account="Alice"]');
      const bob = page.locator('li.account[data-account="Bob"]');
      await alice.waitFor();
      const host = new URL(h.sandbox.url).host;
      for (const [item, name] of [
        [alice, 'Alice'],
        [bob, 'Bob'],
      ] as const) {
        expect(await item.locator('.account-head').textContent()).toMatch(
          new RegExp(`${name}\\s*·\\s*${host.replace(/\./g, '\\.')}\\s*Sign-in needed`),
        );
      }

      await bob.getByRole('button', { name: 'Sign in with SAP Concur' }).click();
      await expect
        .poll(
          () =>
            bob
              .getByTestId('signed-in')
              .textContent()
              .catch(() => ''),
          { timeout: 30_000 },
        )
        .toContain(`Signed in as ${BOB.name} since`);
      expect(await bob.getByTestId('sign-in-needed').count()).toBe(0);
      // Alice's sign-in is hers: still needed, her button still there.
      expect(await alice.getByTestId('sign-in-needed').textContent()).toContain('Sign-in needed');
      expect(await alice.getByText('Not signed in to SAP Concur.').count()).toBe(1);
      expect(await accounts.get('Alice')!.manager.state()).toMatchObject({ signedIn: false });
      expect(await alice.getByRole('button', { name: 'Sign in with SAP Concur' }).isEnabled()).toBe(
        true,
      );

      const html = await page.content();
      for (const secret of [clientSecret, ...h.sandbox.oauth2.issuedSecrets()])
        expect(html).not.toContain(secret);
      await page.evaluate(inPage.blur);
      await page.evaluate(inPage.scrollTop);
      await page.screenshot({ path: join(SCREENSHOTS, 'settings-account-signed-in.png') });
      expect(await axeViolations(page)).toEqual([]);

      await bob.getByRole('button', { name: 'Sign out' }).click();
      await bob.getByTestId('sign-in-needed').waitFor();
      expect(two.pageErrors).toEqual([]);
    } finally {
      await two.close();
    }
  });
});

describe('Sign in from the browser view, in Chromium', { timeout: 60_000 }, () => {
  it('says why a sign-in cannot start, closes the tab it opened, and leaves nothing listening', async () => {
    await h.settingsStore.save({ ...h.settingsStore.get(), accounts: [] });
    const concur = { baseUrl: h.sandbox.url, authScheme: 'OAuth' as const, oauth2 };
    // No client secret on the watching machine: the sign-in ends before it begins.
    const account = oauth2Account(concur, { keychain: memorySecretStore(), env: {} });
    const port = signInPort({ account: () => account, changed: () => undefined });
    const view = await openUi(browser, h, '#settings/account', h.handlersWith({ signIn: port }));
    try {
      const { page } = view;
      const tabs = page.context().pages().length;
      await page.getByRole('button', { name: 'Sign in with SAP Concur' }).click();
      await page.getByText('The Concur app registration has no client secret here').waitFor();
      await expect.poll(() => page.context().pages().length).toBe(tabs);
      await expect(
        page.getByRole('button', { name: 'Sign in with SAP Concur' }).isEnabled(),
      ).resolves.toBe(true);
      const listening = await new Promise<boolean>((done) => {
        const socket = connect(Number(new URL(oauth2.redirectUri).port), '127.0.0.1');
        socket.once('connect', () => done(true)).once('error', () => done(false));
        setTimeout(() => socket.destroy(), 1000);
      });
      expect(listening).toBe(false);
      expect(view.pageErrors).toEqual([]);
    } finally {
      await view.close();
    }
  });
});
