import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainSessionStore } from '../../../main/engine/auth/session-store.js';
import { keychainSecretStore } from '../../../main/engine/secrets/secret-store.js';
import { startSandbox, type Sandbox } from '../../../main/sandbox/sandbox.js';
import { jpeg } from '../../fixtures/scans.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * Concur replaces the refresh token at every renewal. A process killed while
 * the new one is on its way to the keychain must not lose the sign-in: the
 * new refresh token is stored before the new access token is used, so either
 * the keychain holds the new token, or nothing of the new pair was ever used
 * and the old one still works. Real processes, SIGKILL, the real keychain.
 */

const keychain = process.env.CONCUR_DROP_KEYCHAIN === 'available';
if (!keychain)
  console.log(
    'crash-during-renewal: skipped: CONCUR_DROP_KEYCHAIN is not "available" (run under scripts/with-keychain.sh)',
  );

const CHILD = resolve(import.meta.dirname, 'fixtures/refresh-then-upload.ts');

let sandbox: Sandbox;
let tmp: { path: string; cleanup: () => Promise<void> };
let scan: string;
const entry = `oauth2/crash-${process.pid}@test`;
beforeAll(async () => {
  sandbox = await startSandbox();
  tmp = await makeTempDir('concur-drop-crash-');
  scan = join(tmp.path, 'taxi.jpg');
  await writeFile(scan, jpeg(2000, 3));
});
afterAll(async () => {
  await sandbox.close();
  await tmp.cleanup();
  if (keychain) await keychainSecretStore().delete(entry);
});

function run(kill: string): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, sandbox.url, entry, scan, kill],
      { stdio: 'ignore' },
    );
    child.on('exit', (code, signal) => done({ code, signal }));
  });
}

const stored = async () =>
  (await keychainSessionStore(keychainSecretStore(), entry).load())?.refreshToken;

describe('a kill during a renewal', { timeout: 60_000 }, () => {
  it.skipIf(!keychain)(
    'never loses the sign-in, wherever around the keychain write it lands',
    async () => {
      const first = sandbox.oauth2.issueRefreshToken();
      await keychainSessionStore(keychainSecretStore(), entry).save({ refreshToken: first });

      // Killed after Concur answered, before the new refresh token was stored.
      expect((await run('before-store')).signal).toBe('SIGKILL');
      expect(sandbox.oauth2.tokenCalls().map((c) => c.status)).toEqual([200]);
      expect(sandbox.requests()).toBe(0); // the new access token was never used …
      expect(await stored()).toBe(first); // … so the old refresh token is still the one kept

      // Killed after the new refresh token was stored, before its access token was used.
      expect((await run('after-store')).signal).toBe('SIGKILL');
      const second = await stored();
      expect(second).not.toBe(first);
      expect(sandbox.requests()).toBe(0);

      // The next start renews from what the keychain holds and uploads.
      const last = await run('none');
      expect(last.code).toBe(0);
      expect(sandbox.received()).toHaveLength(1);
      expect(sandbox.oauth2.tokenCalls().every((c) => c.status === 200)).toBe(true);
      expect(await stored()).not.toBe(second);
    },
  );
});
