import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBinaryFileSync, writeFileSync as writePlistSync } from 'simple-plist';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMachinePolicy } from '../../../main/engine/settings/machine-policy.js';
import { applyPolicy, type PolicyState } from '../../../main/engine/settings/policy.js';
import { translator, type Message } from '../../../main/engine/i18n/translate.js';
import { parseSettings } from '../../../main/engine/settings/schema.js';
import {
  POLICY_KEY,
  RECOMMENDED_KEY,
  winregReader,
  type RegistryItem,
  type RegistryReader,
} from '../../../main/engine/settings/windows-registry-policy.js';

/**
 * The policy where Windows (Group Policy, Intune) and macOS (MDM profiles) put
 * it. reg.exe cannot run here: the registry is read through its port, with
 * items as winreg makes them from `reg query`'s output, and once through
 * winreg itself against a stand-in `REG` that prints what reg.exe prints.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-machine-policy-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const EU = 'https://eu2.api.concursolutions.com';
const sz = (name: string, value: string): RegistryItem => ({ name, type: 'REG_SZ', value });
const dword = (name: string, n: number): RegistryItem => ({
  name,
  type: 'REG_DWORD',
  value: `0x${n.toString(16)}`,
});

/** A registry holding these keys (any other key is not there, as reg.exe says with exit 1). */
function registry(keys: Record<string, RegistryItem[]>): RegistryReader {
  return async (key) => keys[key] ?? null;
}

/** A policy.json, for the file the registry and profiles merge with. */
async function policyFile(content: unknown): Promise<NodeJS.ProcessEnv> {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(content));
  return { CONCUR_DROP_POLICY: file };
}
const noFile: NodeJS.ProcessEnv = { CONCUR_DROP_POLICY: '/nonexistent/policy.json' };

/** A policy problem as a German user reads it. */
const de = (state: PolicyState) =>
  translator('de').say((state as { problemText: Message }).problemText);

describe('the Windows registry', () => {
  it('locks what is set under the key and presets what is under Recommended, each value as its setting takes it', async () => {
    const state = await loadMachinePolicy({
      platform: 'win32',
      env: { ...noFile, USERPROFILE: 'C:\\Users\\alice' },
      registry: registry({
        [POLICY_KEY]: [
          sz('concur.baseUrl', EU),
          dword('concurrency', 4),
          dword('notifications', 0),
          {
            name: 'folders',
            type: 'REG_EXPAND_SZ',
            value: '[{"path": "%USERPROFILE%\\\\Scans", "unmatched": "ignore"}]',
          },
          sz('updates', 'https://deploy.example.com/concur-drop/'),
        ],
        [RECOMMENDED_KEY]: [sz('afterUpload', 'keep'), dword('concurrency', 1)],
      }),
    });
    expect(state).toEqual({
      policy: {
        file: POLICY_KEY,
        presets: {
          afterUpload: 'keep',
          concurrency: 4,
          concur: { baseUrl: EU },
          notifications: false,
          folders: [{ path: 'C:\\Users\\alice\\Scans', unmatched: 'ignore' }],
        },
        locked: ['concur.baseUrl', 'concurrency', 'notifications', 'folders'],
        updates: { feedUrl: 'https://deploy.example.com/concur-drop/' },
      },
    });
    // The user's own settings lose to what is locked and keep what was only recommended.
    const mine = { afterUpload: 'delete', concurrency: 8, notifications: true };
    expect(parseSettings(applyPolicy(mine, state.policy))).toMatchObject({
      concur: { baseUrl: EU },
      afterUpload: 'delete',
      concurrency: 4,
      notifications: false,
    });
  });

  it('reads what reg.exe prints, through winreg (a stand-in REG here: reg.exe cannot run on Linux)', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    // What `reg query "HKLM\Software\Policies\Concur Drop"` prints on Windows, CRLF and all.
    const printed = [
      '',
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\Concur Drop',
      '    concur.baseUrl    REG_SZ    https://eu2.api.concursolutions.com',
      '    convert    REG_DWORD    0x0',
      '    updates    REG_SZ    off',
      '',
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\Concur Drop\\Recommended',
      '',
    ].join('\r\n');
    await writeFile(join(bin, 'root.txt'), printed);
    await writeFile(
      join(bin, 'REG'),
      [
        '#!/bin/sh',
        `[ "$1 $2" = 'QUERY HKLM\\Software\\Policies\\Concur Drop' ] && exec cat '${bin}/root.txt'`,
        'echo "ERROR: The system was unable to find the specified registry key or value." >&2',
        'exit 1',
      ].join('\n'),
    );
    await chmod(join(bin, 'REG'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      expect(await winregReader(POLICY_KEY)).toEqual([
        { name: 'concur.baseUrl', type: 'REG_SZ', value: EU },
        { name: 'convert', type: 'REG_DWORD', value: '0x0' },
        { name: 'updates', type: 'REG_SZ', value: 'off' },
      ]);
      expect(await winregReader(RECOMMENDED_KEY)).toBeNull();
      expect(await loadMachinePolicy({ platform: 'win32', env: noFile })).toEqual({
        policy: {
          file: POLICY_KEY,
          presets: { concur: { baseUrl: EU }, convert: false },
          locked: ['concur.baseUrl', 'convert'],
          updates: 'off',
        },
      });
    } finally {
      process.env.PATH = path;
    }
  });

  it('no key is no policy; other systems never ask the registry', async () => {
    expect(
      await loadMachinePolicy({ platform: 'win32', env: noFile, registry: registry({}) }),
    ).toEqual({ policy: null });
    const asked: string[] = [];
    const state = await loadMachinePolicy({
      platform: 'linux',
      env: noFile,
      registry: async (key) => {
        asked.push(key);
        return [sz('afterUpload', 'keep')];
      },
    });
    expect(state).toEqual({ policy: null });
    expect(asked).toEqual([]);
  });

  it('wins over policy.json, but a lock anywhere beats a preset anywhere', async () => {
    const env = await policyFile({
      settings: { concur: { baseUrl: 'https://us.api.concursolutions.com' }, theme: 'dark' },
      locked: ['concur.baseUrl', 'afterUpload'],
      updates: 'off',
    });
    const state = await loadMachinePolicy({
      platform: 'win32',
      env,
      registry: registry({
        [POLICY_KEY]: [sz('concur.baseUrl', EU)],
        [RECOMMENDED_KEY]: [sz('afterUpload', 'delete'), sz('theme', 'light')],
      }),
    });
    expect(state.policy).toEqual({
      file: `${POLICY_KEY} + ${env.CONCUR_DROP_POLICY}`,
      // afterUpload: locked by the file without a value, held at the default whatever the registry recommends.
      presets: { concur: { baseUrl: EU }, theme: 'light' },
      locked: ['concur.baseUrl', 'afterUpload'],
      updates: 'off',
    });
    expect(parseSettings(applyPolicy({ afterUpload: 'keep' }, state.policy))).toMatchObject({
      afterUpload: 'move',
      theme: 'light',
    });
  });

  it('a broken value is reported with its key and value name, and the policy is not used', async () => {
    const state = await loadMachinePolicy({
      platform: 'win32',
      env: noFile,
      registry: registry({
        [POLICY_KEY]: [
          sz('concurrency', 'lots'),
          sz('concur.baseUrl', 'http://concur.example.com'),
          sz('folders', '[{"path": "C:\\Scans"}]'),
          { name: 'afterUpload', type: 'REG_BINARY', value: '01' },
          sz('colour', 'red'),
          dword('shrink', 2),
        ],
        [RECOMMENDED_KEY]: [sz('folders', '[{"path": ""}]'), sz('concur.token', 'x')],
      }),
    });
    expect(state.policy).toBeNull();
    const at = (key: string, name: string) =>
      `Your organisation's policy (${key}, value "${name}") cannot be used:`;
    expect(state.problem!.split('\n')).toEqual([
      `${at(RECOMMENDED_KEY, 'folders')} folders.0.path: a folder path is required`,
      `${at(RECOMMENDED_KEY, 'concur.token')} "concur.token" is not a setting a policy can set.`,
      `${at(POLICY_KEY, 'concurrency')} must be a number (REG_DWORD, or an integer in a profile).`,
      `${at(POLICY_KEY, 'concur.baseUrl')} must use https (plain http is allowed only for 127.0.0.1 / localhost)`,
      expect.stringMatching(
        new RegExp(
          `^${at(POLICY_KEY, 'folders').replace(/[()\\]/g, '\\$&')} it is not valid JSON \\(.+\\)\\.$`,
        ),
      ),
      `${at(POLICY_KEY, 'afterUpload')} a value of type REG_BINARY cannot be used: use REG_SZ for text and JSON, REG_DWORD for numbers and 0/1 for off/on.`,
      `${at(POLICY_KEY, 'colour')} "colour" is not a setting a policy can set.`,
      `${at(POLICY_KEY, 'shrink')} must be on or off (REG_DWORD 1 or 0, or true or false in a profile).`,
    ]);
    // Each of the eight lines in German too, none left in English.
    const german = de(state).split('\n');
    expect(german).toHaveLength(8);
    for (const line of german)
      expect(line).toMatch(/^Die Richtlinie Ihrer Organisation .* kann nicht verwendet werden: /);
    expect(german[6]).toContain('„colour“');
    expect(de(state)).not.toMatch(/must be|is not a setting/);
  });

  it('a registry reg.exe cannot read is reported, not taken for no policy', async () => {
    const state = await loadMachinePolicy({
      platform: 'win32',
      env: noFile,
      registry: async () => {
        throw new Error('QUERY command exited with code 5:\nERROR: Access is denied.');
      },
    });
    expect(state).toMatchObject({
      policy: null,
      problem: `Your organisation's policy (${POLICY_KEY}) cannot be used: reg.exe could not read it (QUERY command exited with code 5: ERROR: Access is denied.).`,
    });
    // The window and the CLI say it in the user's language; reg.exe's own words stay quoted as they came.
    expect(de(state)).toBe(
      `Die Richtlinie Ihrer Organisation (${POLICY_KEY}) kann nicht verwendet werden: ${translator('de').t('policy.registryUnreadable', { why: 'QUERY command exited with code 5: ERROR: Access is denied.' })}`,
    );
  });
});

describe('macOS managed preferences', () => {
  const BUNDLE = 'com.concurdrop.app.plist';

  async function managed(files: Record<string, unknown>, binary: boolean): Promise<string> {
    const folder = await mkdtemp(join(dir, 'managed-'));
    for (const [file, content] of Object.entries(files)) {
      await mkdir(join(folder, file, '..'), { recursive: true });
      (binary ? writeBinaryFileSync : writePlistSync)(join(folder, file), content as object);
    }
    return folder;
  }

  for (const binary of [false, true])
    it(`a profile's keys are locked settings; the user's file wins over the machine's (${binary ? 'binary' : 'XML'} plist)`, async () => {
      const folder = await managed(
        {
          [BUNDLE]: {
            concur: { baseUrl: EU, authScheme: 'Bearer' },
            afterUpload: 'keep',
            shrink: false,
            folders: [{ path: '/Users/Shared/Scans' }],
            PayloadUUID: '83c9f6e8-ef4b-4974-b83b-b2e7fe79b75c',
          },
          [join('alice', BUNDLE)]: { afterUpload: 'delete', concurrency: 3 },
        },
        binary,
      );
      const env = await policyFile({ settings: { theme: 'dark', concurrency: 1 } });
      const state = await loadMachinePolicy({
        platform: 'darwin',
        env,
        managedPreferencesDir: folder,
        user: 'alice',
      });
      expect(state.policy).toEqual({
        file: `${join(folder, 'alice', BUNDLE)} + ${join(folder, BUNDLE)} + ${env.CONCUR_DROP_POLICY}`,
        presets: {
          concur: { baseUrl: EU, authScheme: 'Bearer' },
          folders: [{ path: '/Users/Shared/Scans' }],
          afterUpload: 'delete',
          concurrency: 3,
          shrink: false,
          theme: 'dark',
        },
        locked: [
          'concur.baseUrl',
          'concur.authScheme',
          'folders',
          'afterUpload',
          'concurrency',
          'shrink',
        ],
      });
    });

  it('a broken key names the file and the key; a file that is no plist is reported', async () => {
    const folder = await managed({ [BUNDLE]: { concurrency: 'four', afterUpload: 'keep' } }, true);
    const state = await loadMachinePolicy({
      platform: 'darwin',
      env: noFile,
      managedPreferencesDir: folder,
      user: 'bob',
    });
    expect(state).toMatchObject({
      policy: null,
      problem: `Your organisation's policy (${join(folder, BUNDLE)}, key "concurrency") cannot be used: must be a number (REG_DWORD, or an integer in a profile).`,
    });
    expect(de(state)).toMatch(
      /^Die Richtlinie Ihrer Organisation \(.+\) kann nicht verwendet werden: /,
    );
    expect(de(state)).toContain(translator('de').t('policy.wantsNumber'));
    await writeFile(join(folder, BUNDLE), 'bplist00 cut off');
    expect(
      (
        await loadMachinePolicy({
          platform: 'darwin',
          env: noFile,
          managedPreferencesDir: folder,
          user: 'bob',
        })
      ).problem,
    ).toMatch(
      /^Your organisation's policy \(.+\) cannot be used: it is not a readable property list \(.+\)\.$/,
    );
  });

  it('no profile is no policy', async () => {
    const folder = await managed({}, false);
    expect(
      await loadMachinePolicy({
        platform: 'darwin',
        env: noFile,
        managedPreferencesDir: folder,
        user: 'carol',
      }),
    ).toEqual({ policy: null });
  });
});
