import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';
import { buildCli, exited, runCli, spawnCli, tempDir, until } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

// The real Secret Service exists only inside scripts/with-keychain.sh (npm test).
const keychain = process.env.CONCUR_DROP_KEYCHAIN === 'available';
if (!keychain)
  console.log(
    'token: keychain tests skipped: CONCUR_DROP_KEYCHAIN is not "available" (run under scripts/with-keychain.sh)',
  );

let dir: string;
let cleanup: () => Promise<void>;
let config: string;
// A loopback base URL of its own, so this test's keychain entry is nobody else's.
const baseUrl = `http://127.0.0.1:${20000 + (process.pid % 20000)}`;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  config = join(dir, 'concur-drop.json');
  await writeFile(config, JSON.stringify({ concur: { baseUrl } }));
});
afterAll(() => cleanup());

const token = (args: string[], input?: string, env: Record<string, string | undefined> = {}) =>
  runCli(['token', ...args, '--config', config], {
    input,
    env: { CONCUR_DROP_HOME: join(dir, 'data'), ...env },
  });

describe('concur-drop token with the OS keychain', { timeout: 90_000 }, () => {
  it.skipIf(!keychain)('sets, checks, replaces and clears the token for the base URL', async () => {
    const set = await token(['set'], '  first-secret-token\n');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`Stored the token for ${baseUrl}`);
    expect(set.stdout + set.stderr).not.toContain('first-secret-token');

    const check = await token(['check']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/is stored in the OS keychain/);
    expect(check.stdout).not.toContain('first-secret-token');

    expect((await token(['set'], 'second-secret-token')).code).toBe(0);
    const cleared = await token(['clear']);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/Removed the token/);

    const after = await token(['check']);
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/No token is stored/);
    expect((await token(['clear'])).stdout).toMatch(/No token was stored/);
  });

  it.skipIf(!keychain)('refuses an empty token on stdin', async () => {
    const r = await token(['set'], '   \n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no token on stdin/);
  });
});

describe('the keychain token drives uploads', { timeout: 90_000 }, () => {
  it.skipIf(!keychain)('watch --once uploads with the token from the keychain', async () => {
    const sandbox = await startSandbox({ port: 0, token: 'keychain-upload-token' });
    try {
      const scans = join(dir, 'Scans');
      await mkdir(scans, { recursive: true });
      await writeFile(join(scans, 'taxi.jpg'), jpeg(3000));
      const watched = join(dir, 'watched.json');
      await writeFile(
        watched,
        JSON.stringify({
          concur: { baseUrl: sandbox.url },
          folders: [{ path: 'Scans' }],
          settleMs: 100,
        }),
      );
      const set = await runCli(['token', 'set', '--config', watched], {
        input: 'keychain-upload-token',
      });
      expect(set.code, set.stderr).toBe(0);
      const r = await runCli([
        'watch',
        '--once',
        '--config',
        watched,
        '--data-dir',
        join(dir, 'w'),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(sandbox.received()).toHaveLength(1);
      expect((await runCli(['token', 'clear', '--config', watched])).code).toBe(0);
    } finally {
      await sandbox.close();
    }
  });
});

describe('a sign-in pause ends with token set', { timeout: 90_000 }, () => {
  it.skipIf(!keychain)(
    'resumes a waiting watcher once a token is stored from another shell',
    async () => {
      const sandbox = await startSandbox({ port: 0, token: 'late-token-value' });
      try {
        const scans = join(dir, 'Late');
        await mkdir(scans, { recursive: true });
        await writeFile(join(scans, 'taxi.jpg'), jpeg(3000, 4));
        const late = join(dir, 'late.json');
        await writeFile(
          late,
          JSON.stringify({
            concur: { baseUrl: sandbox.url },
            folders: [{ path: 'Late' }],
            settleMs: 100,
          }),
        );
        const watcher = spawnCli(
          ['watch', '--json', '--config', late, '--data-dir', join(dir, 'l')],
          {
            env: { CONCUR_DROP_TOKEN_POLL_MS: '300' },
          },
        );
        await until(
          () => watcher.out.stdout.includes('"event":"paused"'),
          30_000,
          'the sign-in pause',
        );
        const set = await runCli(['token', 'set', '--config', late], { input: 'late-token-value' });
        expect(set.code, set.stderr).toBe(0);
        await until(() => sandbox.received().length === 1, 30_000, 'the upload after token set');
        watcher.kill('SIGTERM');
        expect((await exited(watcher, 20_000)).code).toBe(0);
        await runCli(['token', 'clear', '--config', late]);
      } finally {
        await sandbox.close();
      }
    },
  );
});

describe('concur-drop token without a keychain', { timeout: 90_000 }, () => {
  const noBus = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };

  it('explains there is no keychain, exits non-zero and shows no stack trace', async () => {
    for (const action of ['check', 'clear']) {
      const r = await token([action], undefined, noBus);
      expect(r.code, action).toBe(1);
      expect(r.stderr).toMatch(/No OS keychain is available .*set CONCUR_DROP_TOKEN instead/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const set = await token(['set'], 'some-token', noBus);
    expect(set.code).toBe(1);
    expect(set.stderr).toMatch(/No OS keychain is available/);
    expect(set.stderr).not.toContain('some-token');
  });

  it('reports a token from CONCUR_DROP_TOKEN without a keychain', async () => {
    const r = await token(['check'], undefined, { ...noBus, CONCUR_DROP_TOKEN: 'env-token-1' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/comes from CONCUR_DROP_TOKEN/);
    expect(r.stdout).not.toContain('env-token-1');
  });
});
