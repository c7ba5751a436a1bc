import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configureLogging } from '../../../main/engine/log/logger.js';
import { SANDBOX_APP } from '../../../main/sandbox/oauth2.js';
import { createConcurClient } from '../../../main/engine/concur/concur-client.js';
import type { TokenManager } from '../../../main/engine/auth/token-manager.js';
import { startSandbox, type Sandbox } from '../../../main/sandbox/sandbox.js';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { makeTempDir, sleep, waitFor } from '../../helpers/temp-dir.js';
import { sandboxManager } from './auth-harness.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * OAuth2 renewal through the real engine and the sandbox on loopback: hours of
 * one-hour tokens played as seconds.
 */

let harness: EngineHarness | undefined;
let manager: TokenManager | undefined;
const extra: Sandbox[] = [];
const logLines: string[] = [];
beforeAll(() => configureLogging({ dir: null, listener: (line) => logLines.push(line) }));
afterEach(async () => {
  // No token or secret in any log line, event or notice of the test.
  const sandboxes = [...extra, ...(harness ? [harness.sandbox] : [])];
  const secrets = [SANDBOX_APP.clientSecret, ...sandboxes.flatMap((s) => s.oauth2.issuedSecrets())];
  const said = [
    ...logLines.splice(0),
    JSON.stringify(harness?.jobEvents ?? []),
    JSON.stringify(harness?.notices ?? []),
  ].join('\n');
  expect(said.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(said).not.toContain(secret);
  manager?.stop();
  await harness?.close();
  for (const s of extra.splice(0)) await s.close();
  harness = undefined;
  manager = undefined;
});

/** An engine whose uploads use a TokenManager over the harness's sandbox (set up after it starts). */
async function oauthEngine(tokenLifetimeS: number, settings = {}) {
  let current: TokenManager | undefined;
  const lazy = {
    token: () => current!.token(),
    refused: (t: string) => current!.refused(t),
    baseUrl: () => current!.baseUrl(),
  };
  harness = await startEngineHarness({
    noStart: true,
    settings: { concurrency: 4, ...settings },
    engine: { tokens: lazy, getToken: () => lazy.token().catch(() => null), tokenRecheckMs: 200 },
  });
  harness.sandbox.oauth2.tokenLifetimeS = tokenLifetimeS;
  const made = sandboxManager(harness.sandbox.url, harness.sandbox.oauth2.issueRefreshToken());
  manager = current = made.manager;
  manager.start();
  await harness.engine.start();
  return { harness, manager, secrets: made.secrets };
}

describe('OAuth2 renewal in the engine', { timeout: 60_000 }, () => {
  it('keeps uploading over 20 s of 2-second tokens: nothing paused, every upload with an unexpired token', async () => {
    const { harness: h } = await oauthEngine(2);
    let paused = 0;
    h.engine.on('paused', () => paused++);
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `scan-${i}.jpg`;
      names.push(name);
      await h.put(name, jpeg(2000, i));
      await sleep(1000);
    }
    for (const name of names) expect((await h.waitForJob(name)).state).toBe('uploaded');
    expect(paused).toBe(0);
    expect(h.jobEvents.some((j) => j.state === 'paused')).toBe(false);
    const received = h.sandbox.received();
    expect(received).toHaveLength(20);
    for (const image of received) expect(image.tokenExpiresAt).toBeGreaterThan(image.at);
    expect(h.sandbox.expiredRefusals()).toBe(0);
    const calls = h.sandbox.oauth2.tokenCalls();
    // Renewed ahead of expiry about every 1.5 s, and never refused.
    expect(calls.length).toBeGreaterThanOrEqual(10);
    expect(calls.every((c) => c.status === 200)).toBe(true);
  });

  it('a storm of 50 uploads waiting for a renewal makes one refresh call', async () => {
    const sandbox = await startSandbox({ tokenLifetimeS: 3600 });
    extra.push(sandbox);
    const made = sandboxManager(sandbox.url, sandbox.oauth2.issueRefreshToken());
    manager = made.manager;
    const tmp = await makeTempDir('concur-drop-storm-');
    try {
      const client = createConcurClient({
        baseUrl: sandbox.url,
        authScheme: 'Bearer',
        getToken: async () => null,
        tokens: manager,
      });
      const files = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const file = join(tmp.path, `s${i}.jpg`);
          await writeFile(file, jpeg(1500, i));
          return file;
        }),
      );
      const outcomes = await Promise.all(
        files.map((f) => client.uploadImage({ kind: 'receipt' }, f)),
      );
      expect(outcomes.map((o) => o.kind)).toEqual(Array(50).fill('uploaded'));
      expect(sandbox.oauth2.tokenCalls()).toHaveLength(1);

      // Concur refuses the token early (revoked, clock skew): renewed once, the upload sent again.
      sandbox.inject({ status: 401 });
      const again = await client.uploadImage({ kind: 'receipt' }, files[0]);
      expect(again.kind).toBe('uploaded');
      expect(sandbox.oauth2.tokenCalls()).toHaveLength(2);
    } finally {
      await tmp.cleanup();
    }
  });

  it('holds uploads as "sign-in needed" when Concur refuses the refresh token (108), and goes on after a new sign-in', async () => {
    const { harness: h, manager: m } = await oauthEngine(3600);
    const paused: string[] = [];
    h.engine.on('paused', (reason, message) => paused.push(`${reason}: ${message}`));
    h.sandbox.oauth2.revokeUser([...h.sandbox.oauth2.users.keys()][0]);
    await h.put('taxi.jpg', jpeg(2000, 1));
    const held = await h.waitForJob('taxi.jpg', (j) => j.state === 'paused');
    expect(held.state).toBe('paused');
    // The job shows `paused` as soon as its record is on its way to disk; the notice follows the write.
    await waitFor(() => paused.length > 0);
    expect(paused.join('\n')).toMatch(/sign-in: Concur asks to sign in again: .*\(code 108\)/);
    expect(h.jobEvents.some((j) => j.state === 'failed')).toBe(false);
    const before = h.sandbox.oauth2.tokenCalls().length;
    await sleep(600); // the hold looks again, but never sends the refused refresh token twice
    expect(h.sandbox.oauth2.tokenCalls()).toHaveLength(before);

    await m.useRefreshToken(h.sandbox.oauth2.issueRefreshToken());
    expect((await h.waitForJob('taxi.jpg')).state).toBe('uploaded');
  });

  it('backs off while the sign-in service is down, without pausing', async () => {
    const { harness: h } = await oauthEngine(3600);
    let paused = 0;
    h.engine.on('paused', () => paused++);
    h.sandbox.oauth2.injectTokenFaults({ status: 503 }, { drop: true });
    await h.put('hotel.jpg', jpeg(2000, 2));
    expect((await h.waitForJob('hotel.jpg', undefined, 20_000)).state).toBe('uploaded');
    expect(paused).toBe(0);
    expect(h.sandbox.oauth2.tokenCalls().map((c) => c.status)).toEqual([503, 0, 200]);
  });

  it('moves uploads and refreshes to the geolocation Concur names, and nowhere else', async () => {
    const home = await startSandbox({ tokenLifetimeS: 2 });
    const there = await startSandbox({ oauth2: home.oauth2 });
    extra.push(home, there);
    home.oauth2.geolocation = there.url;
    let current: TokenManager | undefined;
    harness = await startEngineHarness({
      noStart: true,
      settings: { concur: { baseUrl: home.url } },
      engine: {
        tokens: {
          token: () => current!.token(),
          refused: (t) => current!.refused(t),
          baseUrl: () => current!.baseUrl(),
        },
      },
    });
    const made = sandboxManager(home.url, home.oauth2.issueRefreshToken());
    manager = current = made.manager;
    manager.start();
    await harness.engine.start();
    for (let i = 0; i < 4; i++) {
      await harness.put(`g${i}.jpg`, jpeg(1800, i));
      await sleep(1200);
    }
    for (let i = 0; i < 4; i++)
      expect((await harness.waitForJob(`g${i}.jpg`)).state).toBe('uploaded');
    expect(there.received()).toHaveLength(4);
    expect(home.requests()).toBe(0);
    expect(harness.sandbox.requests()).toBe(0);
    const calls = home.oauth2.tokenCalls();
    // The first refresh asked at home and was sent on (code 16); every later one went there.
    expect(calls[0]).toMatchObject({ at: home.url, code: 16 });
    expect(calls.slice(1).every((c) => c.at === there.url && c.status === 200)).toBe(true);
    expect(calls.length).toBeGreaterThan(2);
    expect(manager.baseUrl()).toBe(there.url);
  });
});
