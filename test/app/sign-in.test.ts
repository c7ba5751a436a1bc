import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupEngine, type AppContext } from '../../main/app/engine-host.js';
import { OAuth2Authority, SANDBOX_USER, type SandboxUser } from '../../main/sandbox/oauth2.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';
import { makeTempDir, waitFor } from '../helpers/temp-dir.js';
import { launchChromium } from '../renderer/browser-harness.js';
import { shell } from './fake-electron.js';

/**
 * Settings → Account → "Sign in with SAP Concur" in the desktop app: the
 * contract's signIn opens the system browser (shell.openExternal, recorded by
 * the one electron stand-in), real Chromium signs in on the sandbox's page,
 * and the app uploads as the signed-in user. Real keychain, real engine.
 */

const keychain = process.env.CONCUR_DROP_KEYCHAIN === 'available';
if (!keychain)
  console.log(
    'desktop sign-in: skipped: CONCUR_DROP_KEYCHAIN is not "available" (run under scripts/with-keychain.sh)',
  );

let sandbox: Sandbox;
let tmp: { path: string; cleanup: () => Promise<void> };
let ctx: AppContext | undefined;
const clientSecret = `desk-${randomBytes(10).toString('hex')}`;
let redirectUri: string;
const BOB: SandboxUser = {
  id: '7d0c1b7e-2a44-4f0e-b1a5-3f6a9c2d8e10',
  username: 'bob@example.com',
  password: 'sandbox-bob',
  name: 'Bob Example',
};

async function freeRedirectUri(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const uri = `http://127.0.0.1:${(server.address() as { port: number }).port}/callback`;
  await new Promise((r) => server.close(r));
  return uri;
}

/** The user in the browser: Concur's sign-in page, as `user`, then Allow. */
async function allowInChromium(url: string, user: SandboxUser): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await page.click('button[value=allow]');
    await page.getByText('Concur Drop is signed in').waitFor();
  } finally {
    await browser.close();
  }
}

beforeAll(async () => {
  redirectUri = await freeRedirectUri();
  sandbox = await startSandbox({
    oauth2: new OAuth2Authority({
      apps: [{ clientId: 'desk-app', clientSecret, redirectUris: [redirectUri] }],
      users: [SANDBOX_USER, BOB],
    }),
  });
  tmp = await makeTempDir('concur-drop-desk-signin-');
});
afterAll(async () => {
  await ctx?.engine.stop();
  await sandbox.close();
  await tmp.cleanup();
});

async function everyFile(root: string): Promise<string> {
  let all = '';
  for (const entry of await readdir(root, { recursive: true })) {
    const path = join(root, entry);
    if ((await stat(path)).isFile()) all += await readFile(path, 'latin1');
  }
  return all;
}

describe('Sign in with SAP Concur (desktop)', { timeout: 90_000 }, () => {
  it.skipIf(!keychain)(
    'opens the system browser, shows who signed in and since when, uploads as them, signs out',
    async () => {
      const dataDir = join(tmp.path, 'userData');
      const scans = join(tmp.path, 'Scans');
      await mkdir(scans, { recursive: true });
      ctx = await setupEngine({
        dataDir,
        version: '0.0.0-test',
        parentWindow: () => null,
        env: { CONCUR_DROP_CLIENT_SECRET: clientSecret },
      });
      const { handlers, engine } = ctx;
      expect((await handlers.getSignIn()).mode).toBe('token');
      const saved = await handlers.saveSettings({
        concur: { baseUrl: sandbox.url, oauth2: { clientId: 'desk-app', redirectUri } },
        folders: [{ path: scans }],
        settleMs: 100,
      });
      expect(saved).toEqual({ ok: true });
      expect(await handlers.getSignIn()).toMatchObject({ mode: 'oauth2', signedIn: false });

      const opened = shell.opened.length;
      const pending = handlers.signIn();
      const url = await waitFor(() =>
        shell.opened.slice(opened).find((u) => u.includes('/oauth2/v0/authorize')),
      );
      await allowInChromium(url, SANDBOX_USER);
      const view = await pending;
      expect(view).toMatchObject({ mode: 'oauth2', signedIn: true, userName: SANDBOX_USER.name });
      expect(view.since).toBeGreaterThan(Date.now() - 60_000);
      expect(JSON.stringify(view)).not.toMatch(/token/i);

      await engine.start();
      await writeFile(join(scans, 'lunch.jpg'), jpeg(2300, 5));
      await waitFor(() => sandbox.received().length === 1, { message: 'the upload' });
      expect(sandbox.received()[0].userId).toBe(SANDBOX_USER.id);

      const out = await handlers.signOut();
      expect(out).toMatchObject({ mode: 'oauth2', signedIn: false });
      await engine.stop();
      ctx = undefined;

      const files = await everyFile(dataDir);
      for (const secret of [clientSecret, ...sandbox.oauth2.issuedSecrets()])
        expect(files).not.toContain(secret);
    },
  );

  it.skipIf(!keychain)(
    "signs in a second account from the Account page's list, leaving the first one untouched",
    async () => {
      const dataDir = join(tmp.path, 'userData-two');
      const aliceScans = join(tmp.path, 'Scans-alice');
      const bobScans = join(tmp.path, 'Scans-bob');
      await mkdir(aliceScans, { recursive: true });
      await mkdir(bobScans, { recursive: true });
      ctx = await setupEngine({
        dataDir,
        version: '0.0.0-test',
        parentWindow: () => null,
        env: { CONCUR_DROP_CLIENT_SECRET: clientSecret },
      });
      const { handlers, engine } = ctx;
      const concur = { baseUrl: sandbox.url, oauth2: { clientId: 'desk-app', redirectUri } };
      const saved = await handlers.saveSettings({
        accounts: [
          { name: 'alice', concur },
          { name: 'bob', concur },
        ],
        folders: [
          { path: aliceScans, account: 'alice' },
          { path: bobScans, account: 'bob' },
        ],
        settleMs: 100,
      });
      expect(saved).toEqual({ ok: true });
      expect(await handlers.getAccounts()).toEqual([
        {
          name: 'alice',
          baseUrl: sandbox.url,
          mode: 'oauth2',
          signedIn: false,
        },
        {
          name: 'bob',
          baseUrl: sandbox.url,
          mode: 'oauth2',
          signedIn: false,
        },
      ]);

      const opened = shell.opened.length;
      const pending = handlers.signIn('bob');
      const url = await waitFor(() =>
        shell.opened.slice(opened).find((u) => u.includes('/oauth2/v0/authorize')),
      );
      await allowInChromium(url, BOB);
      expect(await pending).toMatchObject({ mode: 'oauth2', signedIn: true, userName: BOB.name });

      const [alice, bob] = await handlers.getAccounts();
      expect(bob).toMatchObject({ name: 'bob', signedIn: true, userName: BOB.name });
      expect(alice).toMatchObject({ name: 'alice', signedIn: false });
      expect(alice.userName).toBeUndefined();
      expect(await handlers.getSignIn('alice')).toMatchObject({ signedIn: false });

      // Bob's scans go as Bob; Alice's wait for her sign-in, nothing failed.
      const before = sandbox.received().length;
      await engine.start();
      await writeFile(join(bobScans, 'taxi.jpg'), jpeg(2301, 5));
      await writeFile(join(aliceScans, 'hotel.jpg'), jpeg(2302, 5));
      await waitFor(() => sandbox.received().some((r) => r.userId === BOB.id), {
        message: "Bob's upload",
      });
      await waitFor(() => engine.summary().signInNeeded?.includes('alice'), {
        message: "Alice's folder waiting for her sign-in",
      });
      expect(
        sandbox
          .received()
          .slice(before)
          .map((r) => r.userId),
      ).toEqual([BOB.id]);
      expect(engine.summary().signInNeeded).toEqual(['alice']);
      expect(engine.jobs('failed')).toEqual([]);

      expect(await handlers.signOut('bob')).toMatchObject({ signedIn: false });
      await engine.stop();
      ctx = undefined;
      const files = await everyFile(dataDir);
      for (const secret of [clientSecret, ...sandbox.oauth2.issuedSecrets()])
        expect(files).not.toContain(secret);
    },
  );
});
