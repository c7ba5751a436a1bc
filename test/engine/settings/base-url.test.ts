import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBaseUrl } from '../../../main/engine/concur/target-url.js';
import { fileSettingsStore } from '../../../main/engine/settings/config-file.js';
import { parseSettings, SettingsError } from '../../../main/engine/settings/schema.js';

function baseUrlIssues(baseUrl: string): string[] {
  try {
    parseSettings({ concur: { baseUrl } });
    return [];
  } catch (error) {
    if (error instanceof SettingsError) return error.issues;
    throw error;
  }
}

describe('the Concur base URL in the settings', () => {
  it('refuses a user name or password in the address, saying so plainly', () => {
    for (const url of ['http://me:secret@127.0.0.1:8787', 'https://me@www.concursolutions.com']) {
      expect(baseUrlIssues(url)).toEqual([
        'concur.baseUrl: must not contain a user name or password (the token is kept in the system keychain)',
      ]);
    }
  });

  it('names the key for text that is not a URL, instead of throwing "Invalid URL"', () => {
    for (const text of ['foo', 'https://exa mple.com', 'http://']) {
      expect(baseUrlIssues(text)).toEqual([
        'concur.baseUrl: must be a URL such as https://www.concursolutions.com',
      ]);
    }
  });

  it('allows http only on this machine, the same hosts the client allows', () => {
    expect(baseUrlIssues('http://127.0.0.2:8787')).toEqual([]);
    expect(baseUrlIssues('http://localhost:8787')).toEqual([]);
    expect(baseUrlIssues('http://10.0.0.5')).toEqual([
      'concur.baseUrl: must use https (plain http is allowed only for 127.0.0.1 / localhost)',
    ]);
  });

  it('the client refuses a loopback address with a password for that reason, not for https', () => {
    expect(() => checkBaseUrl('http://me:secret@127.0.0.1:8787')).toThrow(
      'Refusing to send receipts to http://127.0.0.1:8787: it must not contain a user name or password',
    );
  });

  it('a refused address is not saved: the settings file stays as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'concur-drop-baseurl-'));
    try {
      const file = join(dir, 'concur-drop.json');
      const before = JSON.stringify({ concur: { baseUrl: 'http://127.0.0.1:8787' } });
      await writeFile(file, before);
      const store = fileSettingsStore(file);
      const result = await store.save({ concur: { baseUrl: 'http://me:secret@127.0.0.1:8787' } });
      expect(result).toEqual({
        ok: false,
        issues: [expect.stringMatching(/^concur\.baseUrl: must not contain a user name/)],
      });
      expect(await readFile(file, 'utf8')).toBe(before);
      expect(store.get().concur.baseUrl).toBe('http://127.0.0.1:8787');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
