import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigFileError,
  fileSettingsStore,
  loadConfigFile,
} from '../../../main/engine/settings/config-file.js';
import { SettingsError } from '../../../main/engine/settings/schema.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(content: unknown): Promise<string> {
  const file = join(dir, 'concur-drop.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

describe('loadConfigFile', () => {
  it('fills defaults and resolves relative folders against the config file folder', async () => {
    const file = await writeConfig({ folders: [{ path: 'Scans' }, { path: '/abs/inbox' }] });
    const { settings, configDir } = loadConfigFile(file);
    expect(configDir).toBe(dir);
    expect(settings.folders.map((f) => f.path)).toEqual([join(dir, 'Scans'), '/abs/inbox']);
    expect(settings.concur.baseUrl).toBe('https://www.concursolutions.com');
    expect(settings.afterUpload).toBe('move');
    expect(settings.concurrency).toBe(2);
  });

  it('accepts the example config of the design document', async () => {
    const file = await writeConfig({
      concur: { baseUrl: 'https://www.concursolutions.com', authScheme: 'OAuth' },
      folders: [
        {
          path: 'Scans',
          polling: false,
          unmatched: 'receipt',
          routes: [{ subfolder: 'Berlin', target: { kind: 'report', id: 'A2C40CEE415B43B2A0BE' } }],
        },
      ],
      afterUpload: 'move',
      concurrency: 2,
      settleMs: 1000,
      batchWindowMs: 5000,
      maxWaitMs: 600000,
    });
    expect(loadConfigFile(file).settings.folders[0].routes[0].target).toEqual({
      kind: 'report',
      id: 'A2C40CEE415B43B2A0BE',
    });
  });

  it('names an unknown key', async () => {
    const file = await writeConfig({ folders: [], concurency: 3 });
    expect(() => loadConfigFile(file)).toThrow(SettingsError);
    expect(() => loadConfigFile(file)).toThrow(/unknown key "concurency"/);
  });

  it('names the key of a bad value', async () => {
    const file = await writeConfig({
      folders: [
        { path: 'x', routes: [{ subfolder: 'a', target: { kind: 'entry', id: 'bad id!' } }] },
      ],
    });
    expect(() => loadConfigFile(file)).toThrow(/folders\.0\.routes\.0\.target\.id/);
  });

  it('refuses plain http to a remote host', async () => {
    const file = await writeConfig({ concur: { baseUrl: 'http://concur.example.com' } });
    expect(() => loadConfigFile(file)).toThrow(/concur\.baseUrl: must use https/);
  });

  it('points at the line and column of broken JSON', async () => {
    const file = await writeConfig('{\n  "folders": [],\n  "concurrency": 2,\n}\n');
    expect(() => loadConfigFile(file)).toThrow(ConfigFileError);
    expect(() => loadConfigFile(file)).toThrow(/line 4 column 1/);
  });

  it('says so when the file does not exist', () => {
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(
      /Cannot read the config file .*missing\.json: no such file/,
    );
  });

  it('reads a file saved with a byte order mark', async () => {
    const file = await writeConfig('\uFEFF{"concurrency": 3}');
    expect(loadConfigFile(file).settings.concurrency).toBe(3);
  });
});

describe('fileSettingsStore', () => {
  it('saves valid settings atomically and keeps the previous file as .bak', async () => {
    const file = await writeConfig({ folders: [{ path: 'Scans' }], concurrency: 1 });
    const before = await readFile(file, 'utf8');
    const store = fileSettingsStore(file);
    expect(store.get().concurrency).toBe(1);
    const result = await store.save({ folders: [{ path: 'Inbox' }], concurrency: 4 });
    expect(result).toEqual({ ok: true });
    expect(store.get().concurrency).toBe(4);
    expect(store.get().folders[0].path).toBe(join(dir, 'Inbox'));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      folders: [{ path: 'Inbox' }],
      concurrency: 4,
    });
    expect(await readFile(`${file}.bak`, 'utf8')).toBe(before);
    expect(loadConfigFile(file).settings.concurrency).toBe(4);
  });

  it('keeps the admin’s shape when given the whole resolved settings (what the browser view sends)', async () => {
    const written = [
      '{',
      '    "folders": [',
      '        { "path": "Scans", "routes": [] },',
      '        { "path": "/srv/scans/inbox", "polling": true }',
      '    ],',
      '    "concurrency": 1,',
      '    "concur": { "baseUrl": "https://emea.api.concursolutions.com" }',
      '}',
      '',
    ].join('\n');
    const file = await writeConfig(written);
    const store = fileSettingsStore(file);
    // The page edits its copy of get(): absolute paths, every default filled in.
    const draft = structuredClone(store.get());
    draft.concurrency = 3;
    draft.folders.push({
      path: join(dir, 'Invoices'),
      polling: false,
      unmatched: 'receipt',
      routes: [],
      split: 'none',
      blankPages: 'keep',
    });
    expect(await store.save(draft)).toEqual({ ok: true });
    const saved = await readFile(file, 'utf8');
    expect(JSON.parse(saved)).toEqual({
      folders: [
        { path: 'Scans', routes: [] },
        { path: '/srv/scans/inbox', polling: true },
        { path: join(dir, 'Invoices') },
      ],
      concurrency: 3,
      concur: { baseUrl: 'https://emea.api.concursolutions.com' },
    });
    // Same key order and indentation as the admin's file.
    expect(saved.split('\n')[1]).toBe('    "folders": [');
    expect(Object.keys(JSON.parse(saved))).toEqual(['folders', 'concurrency', 'concur']);
    expect(saved).not.toMatch(/notifications|startAtLogin|theme|settleMs|afterUpload/);
    expect(store.get().folders.map((f) => f.path)).toEqual([
      join(dir, 'Scans'),
      '/srv/scans/inbox',
      join(dir, 'Invoices'),
    ]);
  });

  it('writes a changed default, and drops a folder that was removed', async () => {
    const file = await writeConfig({ folders: [{ path: 'A' }, { path: 'B' }] });
    const store = fileSettingsStore(file);
    const draft = structuredClone(store.get());
    draft.folders.shift();
    draft.afterUpload = 'keep';
    draft.concur.authScheme = 'Bearer';
    expect(await store.save(draft)).toEqual({ ok: true });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      folders: [{ path: 'B' }],
      concur: { authScheme: 'Bearer' },
      afterUpload: 'keep',
    });
  });

  it('refuses invalid settings with the key named and leaves the file alone', async () => {
    const file = await writeConfig({ concurrency: 2 });
    const before = await readFile(file, 'utf8');
    const store = fileSettingsStore(file);
    const result = await store.save({ concurrency: 99, colour: 'red' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.join('\n')).toMatch(/unknown key "colour"/);
    expect(!result.ok && result.issues.join('\n')).toMatch(/concurrency/);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(store.get().concurrency).toBe(2);
  });
});
