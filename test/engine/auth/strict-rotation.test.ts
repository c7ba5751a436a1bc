import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainSessionStore, sessionEntry } from '../../../main/engine/auth/session-store.js';
import { keychainSecretStore } from '../../../main/engine/secrets/secret-store.js';
import { SANDBOX_USER } from '../../../main/sandbox/oauth2.js';
import { startSandbox, type Sandbox } from '../../../main/sandbox/sandbox.js';
import { jpeg } from '../../fixtures/scans.js';
import { makeTempDir, waitFor } from '../../helpers/temp-dir.js';
import { watchAs } from './strict-rotation-watcher.js';

/**
 * Under the harshest reading of Concur's rotation (the sandbox's
 * --strict-rotation: a refresh token is spent the moment it is used), the
 * store-then-use order still keeps a session when the watcher is killed
 * after the keychain write; killed before it, the session is lost, and that
 * is said as "sign-in needed" for the account, with every scan waiting in its
 * folder: nothing failed, nothing lost. Real processes, SIGKILL, the real
 * keychain, the real engine.
 */

const keychain = process.env.CONCUR_DROP_KEYCHAIN === 'available';
if (!keychain)
  console.log(
    'strict-rotation: skipped: CONCUR_DROP_KEYCHAIN is not "available" (run under scripts/with-keychain.sh)',
  );

const CHILD = resolve(import.meta.dirname, 'fixtures/watch-then-die.ts');

let sandbox: Sandbox;
let tmp: { path: string; cleanup: () => Promise<void> };
const stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  sandbox = await startSandbox({ strictRotation: true });
  tmp = await makeTempDir('concur-drop-strict-');
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await sandbox.close();
  await tmp.cleanup();
  if (keychain)
    for (const name of ['alice', 'bob'])
      await keychainSecretStore().delete(sessionEntry({ name, baseUrl: sandbox.url }));
});

/** A folder with two scans, the account's session seeded, and the watcher killed at `kill`. */
async function killedWatcher(account: string, kill: 'before-store' | 'after-store') {
  const root = join(tmp.path, account, 'Scans');
  const dataDir = join(tmp.path, account, 'data');
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'taxi.jpg'), jpeg(5100, account.length));
  await writeFile(join(root, 'hotel.jpg'), jpeg(5200, account.length));
  const entry = sessionEntry({ name: account, baseUrl: sandbox.url });
  const first = sandbox.oauth2.issueRefreshToken();
  await keychainSessionStore(keychainSecretStore(), entry).save({ refreshToken: first });
  const calls = sandbox.oauth2.tokenCalls().length;
  const uploads = sandbox.received().length;
  const exit = await new Promise<string | null>((done) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, sandbox.url, account, root, dataDir, kill],
      { stdio: 'ignore' },
    );
    child.on('exit', (_code, signal) => done(signal));
  });
  expect(exit).toBe('SIGKILL');
  // Concur answered the one renewal, so under strict rotation `first` is spent already.
  expect(
    sandbox.oauth2
      .tokenCalls()
      .slice(calls)
      .map((c) => c.status),
  ).toEqual([200]);
  expect(sandbox.received()).toHaveLength(uploads);
  const stored = (await keychainSessionStore(keychainSecretStore(), entry).load())?.refreshToken;
  return { root, dataDir, first, stored };
}

async function restart(account: string, root: string, dataDir: string) {
  const paused: string[] = [];
  const watcher = await watchAs({
    baseUrl: sandbox.url,
    account,
    root,
    dataDir,
    keychain: keychainSecretStore(),
  });
  watcher.engine.on('paused', (_reason, message) => paused.push(message));
  stops.push(async () => {
    watcher.oauth2.manager.stop();
    await watcher.engine.stop();
  });
  return { ...watcher, paused };
}

describe('a kill during a renewal under strict rotation', { timeout: 60_000 }, () => {
  it.skipIf(!keychain)(
    'keeps the session when killed after the keychain write, and uploads on restart',
    async () => {
      const { root, dataDir, first, stored } = await killedWatcher('alice', 'after-store');
      expect(stored).toBeDefined();
      expect(stored).not.toBe(first);

      const { engine } = await restart('alice', root, dataDir);
      await waitFor(() => sandbox.received().length === 2, { message: 'both uploads' });
      await waitFor(() => engine.jobs('all').filter((j) => j.state === 'uploaded').length === 2, {
        message: 'both scans uploaded',
      });
      expect(sandbox.received().every((r) => r.userId === SANDBOX_USER.id)).toBe(true);
      expect(engine.summary().signInNeeded ?? []).toEqual([]);
      expect(engine.jobs('failed')).toEqual([]);
    },
  );

  it.skipIf(!keychain)(
    'killed before the keychain write: "sign-in needed" for that account, every scan still waiting',
    async () => {
      const before = sandbox.received().length;
      const { root, dataDir, first, stored } = await killedWatcher('bob', 'before-store');
      // The keychain still holds the token Concur has spent: the session cannot be saved.
      expect(stored).toBe(first);

      const { engine, oauth2, paused } = await restart('bob', root, dataDir);
      await waitFor(() => engine.summary().signInNeeded?.includes('bob'), {
        message: 'sign-in needed for bob',
      });
      await waitFor(
        () =>
          engine.jobs('all').length === 2 && engine.jobs('all').every((j) => j.state === 'paused'),
        { message: 'both scans waiting for sign-in' },
      );
      expect(engine.summary().signInNeeded).toEqual(['bob']);
      expect(paused.some((m) => m.startsWith('bob: '))).toBe(true);
      expect((await oauth2.manager.state()).signedIn).toBe(false);
      expect(engine.jobs('failed')).toEqual([]);
      expect(sandbox.received()).toHaveLength(before);
      expect((await readdir(root)).sort()).toEqual(['hotel.jpg', 'taxi.jpg']);
      // Concur's refusal of the spent token is the only one: nothing else was tried.
      expect(
        sandbox.oauth2
          .tokenCalls()
          .slice(-1)
          .map((c) => c.status),
      ).toEqual([400]);
    },
  );
});
