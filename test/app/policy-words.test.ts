import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openSettingsStore } from '../../main/app/settings-store.js';
import { translator } from '../../main/engine/i18n/translate.js';
import { fileSettingsStore } from '../../main/engine/settings/config-file.js';
import { loadPolicy, SET_BY_ORGANISATION } from '../../main/engine/settings/policy.js';
import { CATALOGS } from '../../main/engine/i18n/translate.js';

/** What the organisation's policy makes Settings say, in the window's language. */

const de = translator('de', 'de-DE');
const ja = translator('ja', 'ja-JP');
let dir: string;
const saveLegacyToken = async () => undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-policy-words-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function writePolicy(content: unknown): Promise<string> {
  const file = join(dir, 'policy.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('policy words', () => {
  test('a save over a locked setting is refused in German, desktop and config file alike', async () => {
    const policy = loadPolicy(
      await writePolicy({ settings: { afterUpload: 'keep' }, locked: ['afterUpload'] }),
    );
    const desktop = await openSettingsStore({ cwd: dir, saveLegacyToken, policy });
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ folders: [] }));
    const file = fileSettingsStore(config, policy.policy);
    for (const store of [desktop, file]) {
      const result = await store.save({ ...store.get(), afterUpload: 'delete' });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.issues).toEqual(['afterUpload: Set by your organisation']);
      expect(result.issueTexts!.map((t) => de.say(t))).toEqual([
        'afterUpload: Von Ihrer Organisation festgelegt',
      ]);
    }
  });

  test('"Set by your organisation" is one catalog sentence, the window’s and the save’s', () => {
    expect(SET_BY_ORGANISATION).toBe((CATALOGS.en.settings as Record<string, string>).locked);
  });

  test('a broken policy is said in the window’s language, its keys named as IT wrote them', async () => {
    const file = await writePolicy({ settings: { concurrency: 99 } });
    const store = await openSettingsStore({
      cwd: dir,
      saveLegacyToken,
      policy: loadPolicy(file),
    });
    expect(store.warning).toBe(
      `Your organisation's policy (${file}) cannot be used:\n  settings.concurrency: Too big: expected number to be <=8`,
    );
    const [text] = store.warningText!;
    expect(de.say(text)).toBe(
      `Die Richtlinie Ihrer Organisation (${file}) kann nicht verwendet werden:\n  settings.concurrency: Too big: expected number to be <=8`,
    );
    expect(ja.say(text)).toMatch(/^組織のポリシー/);
  });

  test('a policy that is not JSON, in German', async () => {
    const file = await writePolicy('{ not json');
    const state = loadPolicy(file);
    expect(state.problem).toMatch(/cannot be used: it is not valid JSON/);
    expect(de.say((state.problem && state.problemText) || { key: 'none' })).toMatch(
      /^Die Richtlinie Ihrer Organisation .* kein gültiges JSON/,
    );
  });
});
