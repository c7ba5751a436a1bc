import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuth2Authority, SANDBOX_USER } from '../../main/sandbox/oauth2.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';
import { launchChromium } from '../renderer/browser-harness.js';
import {
  buildCli,
  exited,
  runCli,
  spawnCli,
  tempDir,
  until,
  type CliResult,
} from './cli-harness.js';

/**
 * `concur-drop signin`, `signout` and `token check` with OAuth2, against the
 * sandbox's sign-in page driven by real Chromium, the real keychain, and a
 * grep of every file and output for the secrets afterwards.
 */

beforeAll(() => buildCli(), 120_000);

const keychain = process.env.CONCUR_DROP_KEYCHAIN === 'available';
if (!keychain)
  console.log(
    'signin: keychain tests skipped: CONCUR_DROP_KEYCHAIN is not "available" (run under scripts/with-keychain.sh)',
  );

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

let dir: string;
let cleanup: () => Promise<void>;
let sandbox: Sandbox;
let browser: Browser | undefined;
let config: string;
const clientSecret = `secret-${randomBytes(12).toString('hex')}`;
const outputs: CliResult[] = [];
let redirectUri: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('concur-drop-signin-'));
  redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  const authority = new OAuth2Authority({
    apps: [{ clientId: 'drop-test-app', clientSecret, redirectUris: [redirectUri] }],
  });
  sandbox = await startSandbox({ oauth2: authority });
  config = join(dir, 'concur-drop.json');
  await mkdir(join(dir, 'Scans'), { recursive: true });
  await writeFile(
    config,
    JSON.stringify({
      concur: { baseUrl: sandbox.url, oauth2: { clientId: 'drop-test-app', redirectUri } },
      folders: [{ path: 'Scans' }],
      settleMs: 100,
    }),
  );
  if (keychain) browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  // Nothing the sandbox handed out, nor the client secret, in any file or output of the run.
  const secrets = [clientSecret, ...sandbox.oauth2.issuedSecrets()];
  const texts = [...outputs.map((o) => o.stdout + o.stderr), ...(await filesUnder(dir))];
  for (const secret of secrets) for (const text of texts) expect(text).not.toContain(secret);
  await cleanup();
});

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true })) {
    const path = join(root, entry);
    if ((await stat(path)).isFile()) out.push(await readFile(path, 'latin1'));
  }
  return out;
}

const env = { CONCUR_DROP_HOME: () => join(dir, 'data'), CONCUR_DROP_CLIENT_SECRET: clientSecret };
const cli = async (args: string[], input?: string, extra: Record<string, string> = {}) => {
  const result = await runCli([...args, '--config', config], {
    input,
    env: {
      CONCUR_DROP_HOME: env.CONCUR_DROP_HOME(),
      CONCUR_DROP_CLIENT_SECRET: clientSecret,
      ...extra,
    },
  });
  outputs.push(result);
  return result;
};

/** Starts `signin --no-browser` and returns it with the address it printed. */
async function startSignin() {
  const child = spawnCli(['signin', '--no-browser', '--config', config], {
    env: { CONCUR_DROP_HOME: env.CONCUR_DROP_HOME(), CONCUR_DROP_CLIENT_SECRET: clientSecret },
  });
  const url = await until(
    () => /(http:\/\/\S+\/oauth2\/v0\/authorize\S+)/.exec(child.out.stdout)?.[1] ?? '',
    20_000,
    () => `the sign-in address (stderr: ${child.out.stderr})`,
  );
  // Listening for the exit from the start: a refusal can end it before the test looks.
  return { child, url, ended: exited(child, 30_000) };
}

describe('concur-drop signin through the browser', { timeout: 90_000 }, () => {
  it.skipIf(!keychain)(
    'signs in with Allow, shows who, uploads with renewing tokens, then signs out',
    async () => {
      const { url, ended } = await startSignin();
      const address = new URL(url);
      expect(address.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
      expect(address.searchParams.get('code_challenge_method')).toBe('S256');
      const page = await browser!.newPage();
      await page.goto(url);
      await page.fill('input[name=username]', SANDBOX_USER.username);
      await page.fill('input[name=password]', 'wrong');
      await page.click('button[value=allow]');
      await page.getByText('Incorrect user name or password.').waitFor();
      await page.fill('input[name=password]', SANDBOX_USER.password);
      await page.click('button[value=allow]');
      await page.getByText('Concur Drop is signed in').waitFor();
      await page.close();
      const done = await ended;
      outputs.push(done);
      expect(done.code, done.stderr).toBe(0);
      expect(done.stdout).toContain(`Signed in to Concur as ${SANDBOX_USER.name}`);

      const check = await cli(['token', 'check']);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stdout).toContain(`${SANDBOX_USER.name} (user id ${SANDBOX_USER.id})`);
      expect(check.stdout).toMatch(/lasts until/);

      await writeFile(join(dir, 'Scans', 'taxi.jpg'), jpeg(2500, 9));
      const watch = await cli(['watch', '--once', '--data-dir', join(dir, 'w')]);
      expect(watch.code, watch.stderr).toBe(0);
      expect(sandbox.received().map((r) => r.userId)).toEqual([SANDBOX_USER.id]);

      const out = await cli(['signout']);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toMatch(/Concur revoked the connection/);
      const after = await cli(['token', 'check']);
      expect(after.code).toBe(1);
      expect(after.stdout).toMatch(/Not signed in/);
    },
  );

  it.skipIf(!keychain)("exits 3 with Concur's words when the user presses Deny", async () => {
    const { url, ended } = await startSignin();
    const page = await browser!.newPage();
    await page.goto(url);
    await page.click('button[value=deny]');
    await page.getByText('Not signed in').waitFor();
    await page.close();
    const done = await ended;
    outputs.push(done);
    expect(done.code).toBe(3);
    expect(done.stderr).toContain('Concur did not sign you in: The user denied access to the app.');
  });

  it.skipIf(!keychain)(
    'refuses an answer whose state is not the one it sent, and exchanges nothing',
    async () => {
      const calls = sandbox.oauth2.tokenCalls().length;
      const { url, ended } = await startSignin();
      const page = await browser!.newPage();
      await page.goto(url);
      await page.fill('input[name=password]', SANDBOX_USER.password);
      // Another page's answer arrives first: the right shape, a state this sign-in never sent.
      const forged = new URL(redirectUri);
      forged.search = new URLSearchParams({ cc: 'forged-code', state: 'not-the-state' }).toString();
      await page.goto(forged.href);
      await page.getByText('does not belong to the sign-in').waitFor();
      await page.close();
      const done = await ended;
      outputs.push(done);
      expect(done.code).toBe(3);
      expect(done.stderr).toMatch(/did not belong to this sign-in/);
      expect(sandbox.oauth2.tokenCalls()).toHaveLength(calls);
    },
  );
});

describe('refresh tokens from IT', { timeout: 90_000 }, () => {
  it.skipIf(!keychain)(
    'signin --refresh-token stores a refresh token from stdin and proves it',
    async () => {
      const rt = sandbox.oauth2.issueRefreshToken(SANDBOX_USER.id, 'drop-test-app');
      const r = await cli(['signin', '--refresh-token'], rt + '\n');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Signed in to Concur as ${SANDBOX_USER.name}`);
      const spent = await cli(['signin', '--refresh-token'], 'not-a-refresh-token\n');
      expect(spent.code, spent.stdout + spent.stderr).toBe(3);
      expect(spent.stderr).toMatch(/Concur asks to sign in again: .*\(code 108\)/);
      await cli(['signout']);
    },
  );

  it('runs headless without a keychain from CONCUR_DROP_REFRESH_TOKEN, and says a restart needs a fresh one', async () => {
    const rt = sandbox.oauth2.issueRefreshToken(SANDBOX_USER.id, 'drop-test-app');
    await writeFile(join(dir, 'Scans', 'hotel.jpg'), jpeg(2600, 11));
    const r = await cli(['watch', '--once', '--data-dir', join(dir, 'h')], undefined, {
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
      CONCUR_DROP_REFRESH_TOKEN: rt,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/No OS keychain: .*a restart needs a fresh one in the variable/);
    expect(sandbox.received().at(-1)?.userId).toBe(SANDBOX_USER.id);
  });

  it('exits 3 and uploads nothing when not signed in', async () => {
    await writeFile(join(dir, 'Scans', 'late.jpg'), jpeg(2700, 12));
    const before = sandbox.received().length;
    const r = await cli(['watch', '--once', '--data-dir', join(dir, 'n')], undefined, {
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Not signed in to Concur/);
    expect(sandbox.received()).toHaveLength(before);
  });
});

describe('two accounts on one machine', { timeout: 90_000 }, () => {
  it.skipIf(!keychain)(
    "signs each account in on its own, and pauses only the refused account's folder",
    async () => {
      const two = join(dir, 'two.json');
      await mkdir(join(dir, 'Two', 'alice'), { recursive: true });
      await mkdir(join(dir, 'Two', 'bob'), { recursive: true });
      const oauth2 = { clientId: 'drop-test-app', redirectUri };
      await writeFile(
        two,
        JSON.stringify({
          accounts: [
            { name: 'alice', concur: { baseUrl: sandbox.url, oauth2 } },
            { name: 'bob', concur: { baseUrl: sandbox.url, oauth2 } },
          ],
          folders: [{ path: 'Two/alice' }, { path: 'Two/bob', account: 'bob' }],
          settleMs: 100,
        }),
      );
      const as = async (args: string[], input?: string) => {
        const r = await runCli([...args, '--config', two], {
          input,
          env: { CONCUR_DROP_HOME: join(dir, 'data'), CONCUR_DROP_CLIENT_SECRET: clientSecret },
        });
        outputs.push(r);
        return r;
      };
      const rt = () => sandbox.oauth2.issueRefreshToken(SANDBOX_USER.id, 'drop-test-app');
      expect((await as(['signin', '--refresh-token', '--account', 'alice'], rt())).code).toBe(0);
      expect((await as(['signin', '--refresh-token', '--account', 'bob'], rt())).code).toBe(0);
      expect((await as(['token', 'check', '--account', 'bob'])).stdout).toMatch(/Signed in/);
      expect((await as(['signout', '--account', 'bob'])).code).toBe(0);
      expect((await as(['token', 'check', '--account', 'alice'])).code).toBe(0);
      expect((await as(['signin', '--account', 'carol'])).stderr).toMatch(
        /no account named "carol"/,
      );

      await writeFile(join(dir, 'Two', 'alice', 'a.jpg'), jpeg(2100, 21));
      await writeFile(join(dir, 'Two', 'bob', 'b.jpg'), jpeg(2200, 22));
      const before = sandbox.received().length;
      const r = await as(['watch', '--once', '--data-dir', join(dir, 'two-data')]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/bob: Not signed in/);
      expect(r.stderr, r.stderr).toMatch(/sign-in needed for bob: their folders wait/);
      expect(sandbox.received().length).toBe(before + 1);
      await as(['signout', '--account', 'alice']);
    },
  );
});
