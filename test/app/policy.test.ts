import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { setupEngine } from '../../main/app/engine-host.js';
import { openSettingsStore } from '../../main/app/settings-store.js';
import { loadPolicy } from '../../main/engine/settings/policy.js';
import { fake } from './fake-electron.js';

/** The desktop under an organisation's policy file (pointed at by CONCUR_DROP_POLICY, as IT's would be). */

let dir: string;
const saveLegacyToken = async () => undefined;
const EU = 'https://eu2.api.concursolutions.com';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-policy-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function writePolicy(content: unknown): Promise<string> {
  const file = join(dir, 'policy.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('the desktop settings under a policy', () => {
  test('a first start takes the presets; locked settings hold and cannot be saved over', async () => {
    const file = await writePolicy({
      settings: { concur: { baseUrl: EU }, afterUpload: 'keep', notifications: false },
      locked: ['concur.baseUrl', 'afterUpload'],
    });
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken, policy: loadPolicy(file) });
    expect(store.get()).toMatchObject({
      concur: { baseUrl: EU },
      afterUpload: 'keep',
      notifications: false,
    });
    expect(store.locked).toEqual(['concur.baseUrl', 'afterUpload']);

    // A preset is only a start: people may change it.
    expect(await store.save({ ...store.get(), notifications: true })).toEqual({ ok: true });
    expect(store.get().notifications).toBe(true);
    // A locked one they may not, whatever the caller sends.
    expect(
      await store.save({
        ...store.get(),
        concur: { ...store.get().concur, baseUrl: 'https://x.example' },
      }),
    ).toMatchObject({ ok: false, issues: ['concur.baseUrl: Set by your organisation'] });
    expect(store.get().concur.baseUrl).toBe(EU);
  });

  test('a setting locked after the user changed it is held at the next start', async () => {
    const before = await openSettingsStore({ cwd: dir, saveLegacyToken });
    await before.save({ ...before.get(), afterUpload: 'delete' });
    const file = await writePolicy({ locked: ['afterUpload'] });
    const after = await openSettingsStore({ cwd: dir, saveLegacyToken, policy: loadPolicy(file) });
    expect(after.get().afterUpload).toBe('move');
  });

  test('a broken policy is said in Settings and the tray, not applied in silence', async () => {
    const file = await writePolicy({ settings: { concurrency: 99 }, locked: ['concurrency'] });
    const store = await openSettingsStore({ cwd: dir, saveLegacyToken, policy: loadPolicy(file) });
    expect(store.warning).toBe(
      `Your organisation's policy (${file}) cannot be used:\n  settings.concurrency: Too big: expected number to be <=8`,
    );
    expect(store.locked).toEqual([]);
    // Saving settings does not make the policy usable: the warning stays.
    expect(await store.save(store.get())).toEqual({ ok: true });
    expect(store.warning).toContain("Your organisation's policy");
  });

  test('the app reads the policy named by CONCUR_DROP_POLICY and tells the renderer what is locked', async () => {
    fake.reset();
    const file = await writePolicy({
      settings: { concur: { baseUrl: EU } },
      locked: ['concur.baseUrl'],
    });
    const ctx = await setupEngine({
      dataDir: join(dir, 'data'),
      version: '0.1.0',
      parentWindow: () => null,
      env: { ...process.env, CONCUR_DROP_POLICY: file, CONCUR_DROP_TOKEN: 'policy-test-token' },
    });
    const view = await ctx.handlers.getSettings();
    expect(view.settings.concur.baseUrl).toBe(EU);
    expect(view.locked).toEqual(['concur.baseUrl']);
    expect(ctx.policy.policy?.file).toBe(file);
  });
});
