import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenManager } from '../../../main/engine/auth/token-manager.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { parseSettings, SettingsError } from '../../../main/engine/settings/schema.js';
import type { Job } from '../../../main/engine/types.js';
import { OAuth2Authority, SANDBOX_APP } from '../../../main/sandbox/oauth2.js';
import { startSandbox, type Sandbox } from '../../../main/sandbox/sandbox.js';
import { jpeg } from '../../fixtures/scans.js';
import { FAST } from '../../helpers/engine-harness.js';
import { makeTempDir, waitFor } from '../../helpers/temp-dir.js';
import { sandboxManager } from './auth-harness.js';

/**
 * A shared scanner PC: Scans/alice goes to Alice's Concur account, Scans/bob
 * to Bob's. One account's refused sign-in pauses its folders only.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const users = [
  { id: 'alice-id', username: 'alice@example.com', password: 'a', name: 'Alice' },
  { id: 'bob-id', username: 'bob@example.com', password: 'b', name: 'Bob' },
];

describe('several accounts', { timeout: 60_000 }, () => {
  it('refuses a folder that names an account the settings do not have', () => {
    expect(() =>
      parseSettings({
        accounts: [{ name: 'alice', concur: {} }],
        folders: [{ path: '/x', account: 'bob' }],
      }),
    ).toThrow(SettingsError);
    expect(() => parseSettings({ accounts: [{ name: 'a' }, { name: 'a' }] })).toThrow(
      /named twice/,
    );
  });

  it('pauses only the folders of the account whose sign-in Concur refused', async () => {
    const sandbox: Sandbox = await startSandbox({
      oauth2: new OAuth2Authority({ users }),
    });
    cleanups.push(() => sandbox.close());
    const tmp = await makeTempDir('concur-drop-accounts-');
    cleanups.push(tmp.cleanup);
    const alice = join(tmp.path, 'Scans', 'alice');
    const bob = join(tmp.path, 'Scans', 'bob');
    await mkdir(alice, { recursive: true });
    await mkdir(bob, { recursive: true });

    const managers: Record<string, TokenManager> = {
      alice: sandboxManager(sandbox.url, sandbox.oauth2.issueRefreshToken('alice-id')).manager,
      bob: sandboxManager(sandbox.url, sandbox.oauth2.issueRefreshToken('bob-id')).manager,
    };
    sandbox.oauth2.revokeUser('bob-id'); // Bob's sign-in was revoked: 108 at the next renewal

    const oauth2 = { clientId: SANDBOX_APP.clientId };
    const settings = parseSettings({
      accounts: [
        { name: 'alice', concur: { baseUrl: sandbox.url, oauth2 } },
        { name: 'bob', concur: { baseUrl: sandbox.url, oauth2 } },
      ],
      folders: [{ path: alice }, { path: bob, account: 'bob' }],
      ...FAST,
    });
    const engine: Engine = createEngine({
      settings,
      dataDir: join(tmp.path, 'data'),
      getToken: async () => null,
      accountAuth: (name) => {
        const m = managers[name];
        return m && { tokens: m, getToken: () => m.token().catch(() => null) };
      },
      tokenRecheckMs: 200,
      retry: { baseMs: 20, maxMs: 200, tries: 8 },
    });
    cleanups.push(() => engine.stop());
    const paused: string[] = [];
    engine.on('paused', (reason, message) => paused.push(`${reason} ${message}`));
    await engine.start();

    await writeFile(join(bob, 'b1.jpg'), jpeg(2000, 1));
    await writeFile(join(alice, 'a1.jpg'), jpeg(2000, 2));
    const jobOf = (name: string) => engine.jobs('all').find((j: Job) => j.name === name);
    await waitFor(() => jobOf('b1.jpg')?.state === 'paused', { message: 'Bob’s scan held' });
    await waitFor(() => jobOf('a1.jpg')?.state === 'uploaded', { message: 'Alice’s scan sent' });
    // Alice's folder goes on while Bob's waits.
    await writeFile(join(alice, 'a2.jpg'), jpeg(2000, 3));
    await waitFor(() => jobOf('a2.jpg')?.state === 'uploaded', { message: 'Alice’s second scan' });
    expect(jobOf('b1.jpg')?.state).toBe('paused');
    expect(sandbox.received().map((r) => r.userId)).toEqual(['alice-id', 'alice-id']);
    expect(engine.summary()).toMatchObject({ pausedBy: 'sign-in', signInNeeded: ['bob'] });
    expect(paused).toEqual([expect.stringMatching(/^sign-in bob: Concur asks to sign in again/)]);

    // Bob signs in again: his folder goes on by itself.
    await managers.bob.useRefreshToken(sandbox.oauth2.issueRefreshToken('bob-id'));
    await waitFor(() => jobOf('b1.jpg')?.state === 'uploaded', {
      message: 'Bob’s scan after sign-in',
    });
    expect(sandbox.received().at(-1)?.userId).toBe('bob-id');
    expect(engine.summary().pausedBy).toBe(null);
    expect(engine.summary().signInNeeded).toBeUndefined();
  });
});
