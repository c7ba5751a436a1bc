import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accountFor } from '../../../main/engine/secrets/secret-store.js';
import { jpeg } from '../../fixtures/scans.js';
import {
  closedPort,
  GOOD_TOKEN,
  noKeychainStore,
  startHarness,
  type Harness,
} from './api-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';
import { translator } from '../../../main/engine/i18n/translate.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('the API handlers behind the status window', () => {
  it('lists a dropped scan as uploaded with its Concur image id, and reveals it in its folder', async () => {
    h = await startHarness();
    await h.drop('taxi.jpg', jpeg());
    const job = await h.waitForJob('taxi.jpg', (j) => j.state === 'uploaded' && !!j.finalPath);
    const listed = await h.handlers.getJobs('all', 10);
    expect(listed.map((j) => j.name)).toContain('taxi.jpg');
    expect(job.imageId).toBe(h.sandbox.received()[0].imageId);
    expect((await h.handlers.getSummary()).uploaded).toBe(1);

    expect(await h.handlers.showInFolder(job.id)).toBe(true);
    // Moved after upload: the file manager is pointed at Uploaded/, inside the root.
    expect(h.revealed).toHaveLength(1);
    expect(h.revealed[0]).toContain(join('Scans', 'Uploaded'));
    // The browser view's answer: the same path, as text.
    expect(await h.handlers.locateJob(job.id)).toBe(h.revealed[0]);
  });

  it('refuses to show a file once its folder is no longer watched, and unknown jobs', async () => {
    h = await startHarness();
    await h.drop('hotel.jpg', jpeg());
    const job = await h.waitForJob('hotel.jpg', (j) => j.state === 'uploaded');
    const other = join(h.dir, 'Elsewhere');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(other);
    const saved = await h.handlers.saveSettings({
      ...h.settingsStore.get(),
      folders: [{ path: other }],
    });
    expect(saved).toEqual({ ok: true });

    expect(await h.handlers.showInFolder(job.id)).toBe(false);
    expect(await h.handlers.showInFolder('no-such-job')).toBe(false);
    expect(await h.handlers.locateJob(job.id)).toBeNull();
    expect(await h.handlers.locateJob('no-such-job')).toBeNull();
    expect(h.revealed).toEqual([]);
  });

  it('opens only configured watched folders', async () => {
    h = await startHarness();
    expect(await h.handlers.openRoot('/etc')).toBe(false);
    expect(await h.handlers.openRoot(join(h.root, '..'))).toBe(false);
    expect(await h.handlers.openRoot(join(h.root, 'report'))).toBe(false);
    expect(h.opened).toEqual([]);
    expect(await h.handlers.openRoot(h.root)).toBe(true);
    expect(h.opened).toHaveLength(1);
  });

  it('refuses bad settings with issues that name the key, and keeps the stored ones', async () => {
    h = await startHarness();
    const before = h.settingsStore.get();
    const badRoute = await h.handlers.saveSettings({
      ...before,
      folders: [
        {
          path: h.root,
          routes: [{ subfolder: 'Berlin', target: { kind: 'report', id: 'bad id!' } }],
        },
      ],
    });
    expect(badRoute.ok).toBe(false);
    expect(!badRoute.ok && badRoute.issues.join('\n')).toContain('folders.0.routes.0.target.id');

    const badUrl = await h.handlers.saveSettings({
      ...before,
      concur: { baseUrl: 'http://concur.example.com', authScheme: 'OAuth' },
    });
    expect(!badUrl.ok && badUrl.issues.join('\n')).toContain('concur.baseUrl');

    const unknownKey = await h.handlers.saveSettings({ ...before, colour: 'blue' });
    expect(!unknownKey.ok && unknownKey.issues.join('\n')).toContain('"colour"');

    expect((await h.handlers.getSettings()).settings).toEqual(before);
    expect(JSON.parse(await readFile(h.configPath, 'utf8')).colour).toBeUndefined();
  });

  it('applies saved settings to the running engine: a new folder is watched at once', async () => {
    h = await startHarness({ moreRoots: [] });
    const extra = join(h.dir, 'Invoices');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(extra);
    const result = await h.handlers.saveSettings({
      ...h.settingsStore.get(),
      folders: [...h.settingsStore.get().folders, { path: extra }],
    });
    expect(result).toEqual({ ok: true });
    expect((await h.handlers.getSummary()).roots).toContain(extra);
    await writeFile(join(extra, 'later.jpg'), jpeg());
    await h.waitForJob('later.jpg', (j) => j.state === 'uploaded');
  });

  it('saves the token to the keychain without ever sending it back, and lifts a sign-in pause', async () => {
    h = await startHarness({ token: 'an-old-refused-token' });
    await h.drop('parking.jpg', jpeg());
    await h.waitForJob('parking.jpg', (j) => j.state === 'paused');
    // The hold is carried out just after the job's pause is recorded: the summary follows.
    await waitFor(async () => (await h!.handlers.getSummary()).pausedBy === 'sign-in');

    const result = await h.handlers.setToken(GOOD_TOKEN);
    expect(result.ok).toBe(true);
    expect(JSON.stringify(result)).not.toContain(GOOD_TOKEN);
    expect(h.secrets.entries.get(accountFor(h.sandbox.url))).toBe(GOOD_TOKEN);

    const view = await h.handlers.getSettings();
    expect(view.signedIn).toBe(true);
    expect(JSON.stringify(view)).not.toContain(GOOD_TOKEN);

    const job = await h.waitForJob('parking.jpg', (j) => j.state === 'uploaded');
    expect(job.attempts).toBeGreaterThanOrEqual(1);
    expect((await h.handlers.getSummary()).failed).toBe(0);

    await h.handlers.clearToken();
    expect((await h.handlers.getSettings()).signedIn).toBe(false);
  });

  it('checks the connection: token accepted, token refused, no token, and an unreachable address', async () => {
    h = await startHarness();
    const good = await h.handlers.checkConnection();
    expect(good).toMatchObject({ ok: true, message: expect.stringMatching(/token was accepted/) });

    h.sandbox.setToken('a-different-token');
    const refused = await h.handlers.checkConnection();
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/refused the token/);
    expect(refused.message).not.toContain(GOOD_TOKEN);

    await h.handlers.clearToken();
    const none = await h.handlers.checkConnection();
    expect(none).toMatchObject({ ok: false, message: expect.stringMatching(/No token is saved/) });

    const port = await closedPort();
    const moved = await h.handlers.saveSettings({
      ...h.settingsStore.get(),
      concur: { baseUrl: `http://127.0.0.1:${port}`, authScheme: 'OAuth' },
    });
    expect(moved).toEqual({ ok: true });
    await h.handlers.setToken(GOOD_TOKEN);
    const unreachable = await h.handlers.checkConnection();
    expect(unreachable.ok).toBe(false);
    // Plain words, for the window in its language too; the errno stays in the log.
    expect(unreachable.message).toBe(
      `Cannot reach http://127.0.0.1:${port}: Concur (127.0.0.1:${port}) could not be reached (the connection was refused).`,
    );
    expect(translator('de').words(unreachable.text, unreachable.message)).toBe(
      `http://127.0.0.1:${port} ist nicht erreichbar: Concur (127.0.0.1:${port}) war nicht erreichbar (die Verbindung wurde abgelehnt).`,
    );
  });

  it('explains a missing keychain instead of failing, and never echoes the token it could not store', async () => {
    h = await startHarness();
    const handlers = h.handlersWith({ secrets: noKeychainStore(), mode: 'desktop' });
    const view = await handlers.getSettings();
    expect(view).toMatchObject({ keychain: 'unavailable', signedIn: false });
    expect(view.keychainMessage).toMatch(/No OS keychain/);
    const set = await handlers.setToken('a-token-that-cannot-be-stored');
    expect(set.ok).toBe(false);
    expect(set.message).toMatch(/keychain/);
    expect(set.message).not.toContain('a-token-that-cannot-be-stored');
    expect((await handlers.checkConnection()).ok).toBe(false);
  });

  it('says so when a token from the environment takes precedence over the one just saved', async () => {
    h = await startHarness();
    const handlers = h.handlersWith({
      // As the CLI and the app read it: CONCUR_DROP_TOKEN first, then the keychain.
      getToken: async () => 'token-from-the-environment',
    });
    const set = await handlers.setToken('a-token-typed-in-settings');
    expect(set.ok).toBe(true);
    expect(set.message).toMatch(/CONCUR_DROP_TOKEN .* is used instead/);
    expect(set.message).not.toContain('token-from-the-environment');
    expect(set.message).not.toContain('a-token-typed-in-settings');
  });

  it('tells the page what it runs in, and that there is no folder picker in a browser', async () => {
    h = await startHarness();
    expect(await h.handlers.getAppInfo()).toEqual({
      mode: 'browser',
      version: '0.0.0-test',
      platform: process.platform,
    });
    expect(await h.handlers.pickFolder()).toBeNull();
  });
});
