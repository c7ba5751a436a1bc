import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuth2Authority, SANDBOX_USER, type SandboxUser } from '../../main/sandbox/oauth2.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';
import { buildCli, runCli, tempDir, type CliResult } from './cli-harness.js';

/**
 * Seeding a headless machine with two accounts from the environment: the
 * bare CONCUR_DROP_REFRESH_TOKEN is the first account's only, and
 * CONCUR_DROP_REFRESH_TOKEN_<NAME> seeds the named one; the client secret
 * likewise, shared by default, per account where its app is its own. No
 * keychain (as on such a machine), the real CLI and sandbox.
 */

const BOB: SandboxUser = {
  id: '3c8e5d21-9f47-4a60-b2d8-7e1f0a4c6b93',
  username: 'bob@example.com',
  password: 'sandbox-bob',
  name: 'Bob Example',
};
const secretA = `seed-a-${randomBytes(10).toString('hex')}`;
const secretB = `seed-b-${randomBytes(10).toString('hex')}`;
const noKeychain = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };

let dir: string;
let cleanup: () => Promise<void>;
let sandbox: Sandbox;
let config: string;
const outputs: CliResult[] = [];

beforeAll(async () => {
  await buildCli();
  ({ dir, cleanup } = await tempDir('concur-drop-seed-'));
  sandbox = await startSandbox({
    oauth2: new OAuth2Authority({
      apps: [
        { clientId: 'app-a', clientSecret: secretA, redirectUris: [] },
        { clientId: 'app-b', clientSecret: secretB, redirectUris: [] },
      ],
      users: [SANDBOX_USER, BOB],
    }),
  });
  config = join(dir, 'concur-drop.json');
  await mkdir(join(dir, 'Scans', 'alice'), { recursive: true });
  await mkdir(join(dir, 'Scans', 'bob'), { recursive: true });
  await writeFile(
    config,
    JSON.stringify({
      accounts: [
        { name: 'alice', concur: { baseUrl: sandbox.url, oauth2: { clientId: 'app-a' } } },
        // A name with a space and a dot: its variables end in _BOB_SMITH_JR.
        { name: 'bob smith.jr', concur: { baseUrl: sandbox.url, oauth2: { clientId: 'app-b' } } },
      ],
      folders: [
        { path: 'Scans/alice', account: 'alice' },
        { path: 'Scans/bob', account: 'bob smith.jr' },
      ],
      settleMs: 100,
    }),
  );
}, 120_000);

afterAll(async () => {
  // Neither client secret nor any token the sandbox handed out in any output or file.
  const secrets = [secretA, secretB, ...sandbox.oauth2.issuedSecrets()];
  expect(secrets.length).toBeGreaterThan(4);
  const texts = [...outputs.map((o) => o.stdout + o.stderr), ...(await filesUnder(dir))];
  for (const secret of secrets) for (const text of texts) expect(text).not.toContain(secret);
  await sandbox?.close();
  await cleanup?.();
});

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true })) {
    const path = join(root, entry);
    if ((await stat(path)).isFile()) out.push(await readFile(path, 'latin1'));
  }
  return out;
}

async function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const result = await runCli([...args, '--config', config], {
    env: { CONCUR_DROP_HOME: join(dir, 'data'), ...noKeychain, ...env },
  });
  outputs.push(result);
  return result;
}

describe('seeding two accounts from the environment', { timeout: 90_000 }, () => {
  it("seeds only the first account from CONCUR_DROP_REFRESH_TOKEN, never the others' sign-in", async () => {
    const env = {
      CONCUR_DROP_REFRESH_TOKEN: sandbox.oauth2.issueRefreshToken(SANDBOX_USER.id, 'app-a'),
      CONCUR_DROP_CLIENT_SECRET: secretA,
      CONCUR_DROP_CLIENT_SECRET_BOB_SMITH_JR: secretB,
    };
    const alice = await cli(['token', 'check', '--account', 'alice'], env);
    expect(alice.code, alice.stdout + alice.stderr).toBe(0);
    expect(alice.stdout).toContain('Signed in to Concur');
    expect(alice.stdout).toContain('comes from CONCUR_DROP_REFRESH_TOKEN and');

    const bob = await cli(['token', 'check', '--account', 'bob smith.jr'], env);
    expect(bob.code).toBe(1);
    expect(bob.stdout).toMatch(/Not signed in/);
  });

  it('seeds a named account from CONCUR_DROP_REFRESH_TOKEN_<NAME>, and each uploads as its own user', async () => {
    await writeFile(join(dir, 'Scans', 'alice', 'lunch.jpg'), jpeg(4100, 41));
    await writeFile(join(dir, 'Scans', 'bob', 'taxi.jpg'), jpeg(4200, 42));
    const env = {
      CONCUR_DROP_REFRESH_TOKEN: sandbox.oauth2.issueRefreshToken(SANDBOX_USER.id, 'app-a'),
      CONCUR_DROP_REFRESH_TOKEN_BOB_SMITH_JR: sandbox.oauth2.issueRefreshToken(BOB.id, 'app-b'),
      CONCUR_DROP_CLIENT_SECRET: secretA,
      CONCUR_DROP_CLIENT_SECRET_BOB_SMITH_JR: secretB,
    };
    const bob = await cli(['token', 'check', '--account', 'bob smith.jr'], env);
    expect(bob.code, bob.stdout + bob.stderr).toBe(0);
    expect(bob.stdout).toContain('Signed in to Concur');
    expect(bob.stdout).toContain('comes from CONCUR_DROP_REFRESH_TOKEN_BOB_SMITH_JR and');

    // Each folder's scan goes as the user its account's variable signed in.
    const before = sandbox.received().length;
    const watch = await cli(['watch', '--once', '--data-dir', join(dir, 'watch')], env);
    expect(watch.code, watch.stderr).toBe(0);
    const uploads = sandbox.received().slice(before);
    expect(uploads.map((u) => u.userId).sort()).toEqual([SANDBOX_USER.id, BOB.id].sort());
  });
});
