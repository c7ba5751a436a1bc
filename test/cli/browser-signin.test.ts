import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuth2Authority, SANDBOX_USER } from '../../main/sandbox/oauth2.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';
import { ensureRendererBuilt, launchChromium } from '../renderer/browser-harness.js';
import { buildCli, exited, spawnCli, tempDir, until } from './cli-harness.js';

/**
 * Signing in from the browser view (`concur-drop watch --ui-port`): the page
 * opens Concur's sign-in address in a new tab while the watching process
 * listens on the account's loopback redirect URI, exchanges the code and
 * lets the held uploads go. Real CLI, real sandbox, real Chromium; the page,
 * every call's answer and the event stream are searched for the secrets.
 */

let dir: string;
let cleanup: () => Promise<void>;
let sandbox: Sandbox;
let browser: Browser;
let redirectUri: string;
const clientSecret = `bv-${randomBytes(12).toString('hex')}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(async () => {
  await Promise.all([buildCli(), ensureRendererBuilt()]);
  ({ dir, cleanup } = await tempDir('concur-drop-browser-signin-'));
  redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  sandbox = await startSandbox({
    oauth2: new OAuth2Authority({
      apps: [{ clientId: 'bv-app', clientSecret, redirectUris: [redirectUri] }],
    }),
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await cleanup?.();
});

async function filesUnder(root: string): Promise<string> {
  let all = '';
  for (const entry of await readdir(root, { recursive: true })) {
    const path = join(root, entry);
    if ((await stat(path)).isFile()) all += await readFile(path, 'latin1');
  }
  return all;
}

/** Reads the page's event stream as a second listener would, until stopped. */
function listenToEvents(uiUrl: string): { text: () => string; stop: () => void } {
  const url = new URL(uiUrl);
  let text = '';
  const request = get(`${url.origin}/api/events?token=${url.searchParams.get('token')}`, (res) =>
    res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8'))),
  );
  request.on('error', () => undefined);
  return { text: () => text, stop: () => request.destroy() };
}

describe('Sign in from the browser view of concur-drop watch', { timeout: 120_000 }, () => {
  it('opens Concur in a new tab, signs in on Allow, uploads what waited, and shows no secret', async () => {
    const config = join(dir, 'concur-drop.json');
    await mkdir(join(dir, 'Scans'), { recursive: true });
    await writeFile(
      config,
      JSON.stringify({
        concur: { baseUrl: sandbox.url, oauth2: { clientId: 'bv-app', redirectUri } },
        folders: [{ path: 'Scans' }],
        settleMs: 100,
      }),
    );
    await writeFile(join(dir, 'Scans', 'dinner.jpg'), jpeg(3100, 5));
    const data = join(dir, 'data');
    const child = spawnCli(
      ['watch', '--config', config, '--json', '--ui-port', String(await freePort())],
      { env: { CONCUR_DROP_HOME: data, CONCUR_DROP_CLIENT_SECRET: clientSecret } },
    );
    const ended = exited(child, 120_000);
    const events = { text: () => '', stop: () => undefined } as ReturnType<typeof listenToEvents>;
    const context = await browser.newContext({ locale: 'en-GB' });
    const answers: string[] = [];
    try {
      const uiUrl = await until(
        () => /"event":"ui","url":"([^"]+)"/.exec(child.out.stdout)?.[1] ?? '',
        30_000,
        () => `the browser view's address (stderr: ${child.out.stderr})`,
      );
      // The scan waits for sign-in; nothing failed.
      await until(
        () => /"event":"paused"[^\n]*sign-in/.test(child.out.stdout),
        30_000,
        () => `uploads held for sign-in (stdout: ${child.out.stdout})`,
      );
      expect(sandbox.received()).toEqual([]);
      Object.assign(events, listenToEvents(uiUrl));

      const page = await context.newPage();
      page.on('response', (r) => {
        if (r.url().includes('/api/call/'))
          void r.text().then(
            (t) => answers.push(t),
            () => undefined,
          );
      });
      await page.goto(uiUrl + '#settings/account');
      const account = page.locator('li.account').first();
      await account.getByTestId('sign-in-needed').waitFor();
      const [tab] = await Promise.all([
        context.waitForEvent('page'),
        account.getByRole('button', { name: 'Sign in with SAP Concur' }).click(),
      ]);
      await page.getByText('Finish signing in in the new tab').waitFor();
      await tab.waitForURL(/\/oauth2\/v0\/authorize/);
      // The tab cannot reach back into the status page.
      expect(await tab.evaluate('window.opener === null')).toBe(true);
      await tab.fill('input[name=username]', SANDBOX_USER.username);
      await tab.fill('input[name=password]', SANDBOX_USER.password);
      await tab.click('button[value=allow]');
      await tab.getByText('Concur Drop is signed in').waitFor();

      await expect
        .poll(
          () =>
            account
              .getByTestId('signed-in')
              .textContent()
              .catch(() => ''),
          {
            timeout: 30_000,
          },
        )
        .toContain(`Signed in as ${SANDBOX_USER.name} since`);
      await until(() => sandbox.received().length === 1, 30_000, 'the upload that waited');
      expect(sandbox.received()[0].userId).toBe(SANDBOX_USER.id);
      await until(
        () => /"state":"uploaded"/.test(events.text()),
        30_000,
        'the upload in the event stream',
      );

      const html = await page.content();
      const secrets = [clientSecret, ...sandbox.oauth2.issuedSecrets()];
      expect(secrets.length).toBeGreaterThan(2);
      expect(answers.length).toBeGreaterThan(3);
      for (const secret of secrets) {
        expect(html).not.toContain(secret);
        expect(events.text()).not.toContain(secret);
        for (const answer of answers) expect(answer).not.toContain(secret);
      }
    } finally {
      events.stop();
      await context.close();
      child.kill('SIGTERM');
    }
    const result = await ended;
    expect(result.code).toBe(0);
    const all = result.stdout + result.stderr + (await filesUnder(dir));
    for (const secret of [clientSecret, ...sandbox.oauth2.issuedSecrets()])
      expect(all).not.toContain(secret);
  });
});
