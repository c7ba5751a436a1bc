import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInPort } from '../../main/engine/api/sign-in-port.js';
import { oauth2Account } from '../../main/engine/auth/account-auth.js';
import { SANDBOX_USER } from '../../main/sandbox/oauth2.js';
import { memorySecretStore, type Harness } from '../engine/api/api-harness.js';
import {
  axeViolations,
  inPage,
  SCREENSHOTS,
  type OpenUi,
  useBrowserUi,
} from './browser-harness.js';

/**
 * Settings → Account → "Sign in with SAP Concur" in real Chromium: the button,
 * the sandbox's sign-in page in a second tab (the "system browser"), then who
 * is signed in and since when, and Sign out.
 */

let browser: Browser;
let h: Harness;
let open: OpenUi;
const clientSecret = `ui-${randomBytes(10).toString('hex')}`;

useBrowserUi(
  {
    screenshots: SCREENSHOTS,
    harness: { token: null },
    hash: '#settings/account',
    setUp: async () => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const redirectUri = `http://127.0.0.1:${(server.address() as { port: number }).port}/callback`;
      await new Promise((r) => server.close(r));
      h.sandbox.oauth2.apps.set('ui-app', {
        clientId: 'ui-app',
        clientSecret,
        redirectUris: [redirectUri],
      });
      const oauth2 = { clientId: 'ui-app', redirectUri, scope: 'openid' };
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
      return h.handlersWith({ signIn: port });
    },
  },
  (ui) => ({ browser, h, open } = ui),
);

describe('Sign in with SAP Concur, in Chromium', { timeout: 60_000 }, () => {
  it('signs in through the browser, shows who and since when (screenshot), and signs out', async () => {
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
    await page.evaluate(inPage.blur);
    await page.evaluate(inPage.scrollTop);
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-account-signed-in.png') });
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Not signed in to SAP Concur.').waitFor();
    expect(open.pageErrors).toEqual([]);
  });
});
