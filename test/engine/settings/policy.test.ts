import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyPolicy,
  loadPolicy,
  overriddenByPolicy,
  policyPath,
  type Policy,
} from '../../../main/engine/settings/policy.js';
import { parseSettings } from '../../../main/engine/settings/schema.js';
import { translator, type Message } from '../../../main/engine/i18n/translate.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-policy-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function policyFile(content: unknown): Promise<string> {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('where the policy lives', () => {
  it('is one machine-wide file per OS, or CONCUR_DROP_POLICY', () => {
    expect(policyPath({}, 'linux')).toBe('/etc/concur-drop/policy.json');
    expect(policyPath({}, 'darwin')).toBe('/Library/Application Support/Concur Drop/policy.json');
    expect(policyPath({ ProgramData: 'D:\\ProgramData' }, 'win32')).toMatch(
      /^D:\\ProgramData[\\/]Concur Drop[\\/]policy\.json$/,
    );
    expect(policyPath({ CONCUR_DROP_POLICY: '/tmp/p.json' }, 'win32')).toBe('/tmp/p.json');
  });
});

describe('reading a policy', () => {
  it('no file is no policy', () => {
    expect(loadPolicy(join(dir, 'none.json'))).toEqual({ policy: null });
  });

  it('a valid one gives its presets, locks and update feed', async () => {
    const file = await policyFile({
      settings: { concur: { baseUrl: 'https://eu2.api.concursolutions.com' }, concurrency: 4 },
      locked: ['concur.baseUrl', 'folders'],
      updates: { feedUrl: 'https://deploy.example.com/concur-drop/' },
    });
    expect(loadPolicy(file)).toEqual({
      policy: {
        file,
        presets: { concur: { baseUrl: 'https://eu2.api.concursolutions.com' }, concurrency: 4 },
        locked: ['concur.baseUrl', 'folders'],
        updates: { feedUrl: 'https://deploy.example.com/concur-drop/' },
      },
    });
  });

  it('a broken one is reported in plain words naming the file and the key, never skipped', async () => {
    const notJson = await policyFile('{ "settings": { ');
    expect(loadPolicy(notJson).problem).toMatch(
      new RegExp(
        `^Your organisation's policy \\(${notJson}\\) cannot be used: it is not valid JSON`,
      ),
    );
    const badValue = await policyFile({
      settings: { concur: { baseUrl: 'http://concur.example.com' } },
    });
    expect(loadPolicy(badValue)).toMatchObject({
      policy: null,
      problem: `Your organisation's policy (${badValue}) cannot be used:\n  settings.concur.baseUrl: must use https (plain http is allowed only for 127.0.0.1 / localhost)`,
    });
    const badLock = await policyFile({ locked: ['concur.token'], colour: 'red' });
    const problem = loadPolicy(badLock).problem!;
    expect(problem).toContain('locked.0: Invalid option');
    expect(problem).toContain('unknown key "colour"');
  });
});

describe('applying a policy', () => {
  const policy: Policy = {
    file: '/etc/concur-drop/policy.json',
    presets: { concur: { baseUrl: 'https://eu2.api.concursolutions.com' }, concurrency: 4 },
    locked: ['concur.baseUrl', 'afterUpload'],
  };

  it('a policy that cannot be read says why in plain words, in the user’s language, no errno', async () => {
    const { mkdir } = await import('node:fs/promises');
    const file = join(dir, 'a-folder.json');
    await mkdir(file);
    const state = loadPolicy(file);
    expect(state.problem).toBe(
      `Your organisation's policy (${file}) cannot be used: it cannot be read (it is a folder).`,
    );
    const german = translator('de').say((state as { problemText: Message }).problemText);
    expect(german).toContain(file);
    expect(german).toContain('es ist ein Ordner');
    expect(german).not.toMatch(/EISDIR/);
  });

  it('presets fill what is not set; what people set stays, unless it is locked', () => {
    expect(parseSettings(applyPolicy({}, policy))).toMatchObject({
      concur: { baseUrl: 'https://eu2.api.concursolutions.com', authScheme: 'OAuth' },
      concurrency: 4,
      afterUpload: 'move',
    });
    const mine = {
      concur: { baseUrl: 'https://us.api.concursolutions.com', authScheme: 'Bearer' },
      concurrency: 1,
      afterUpload: 'delete',
    };
    expect(parseSettings(applyPolicy(mine, policy))).toMatchObject({
      concur: { baseUrl: 'https://eu2.api.concursolutions.com', authScheme: 'Bearer' },
      concurrency: 1,
      // Locked without a preset: held at the default.
      afterUpload: 'move',
    });
    expect(overriddenByPolicy(mine, policy)).toEqual(['concur.baseUrl', 'afterUpload']);
    expect(overriddenByPolicy(parseSettings(applyPolicy(mine, policy)), policy)).toEqual([]);
  });
});
