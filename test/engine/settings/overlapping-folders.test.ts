import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveRoots } from '../../../main/engine/roots.js';
import { loadConfigFile } from '../../../main/engine/settings/config-file.js';
import { findOverlappingFolder } from '../../../main/engine/settings/overlapping-folders.js';
import { parseSettings, SettingsError } from '../../../main/engine/settings/schema.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-overlap-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof SettingsError) return error.issues;
    throw error;
  }
  return [];
}

describe('watched folders that nest', () => {
  it('are refused by the settings, naming both folders and the later key', () => {
    const issues = issuesOf(() =>
      parseSettings({
        folders: [{ path: '/a/x' }, { path: '/a/x/sub' }, { path: '/a/x/report/R1' }],
      }),
    );
    expect(issues).toEqual([
      'folders.1.path: The folder "/a/x/sub" is inside the watched folder "/a/x"; watch only one of them.',
    ]);
  });

  it('are refused whichever is listed first', () => {
    expect(findOverlappingFolder(['/a/x/report/R1', '/b', '/a/x'])).toEqual({
      index: 2,
      message:
        'The folder "/a/x/report/R1" is inside the watched folder "/a/x"; watch only one of them.',
    });
  });

  it('allows siblings that share a prefix, and the same folder twice (watched once)', () => {
    expect(findOverlappingFolder(['/a/x', '/a/xy', '/a/x/', '/a/./x'])).toBeNull();
    const roots = resolveRoots(
      parseSettings({ folders: [{ path: '/a/x' }, { path: '/a/x/' }] }).folders,
    );
    expect(roots.map((r) => r.root)).toEqual(['/a/x']);
  });

  it('sees through "..", and ignores case where the OS does', () => {
    expect(findOverlappingFolder(['/a/x', '/a/y/../x/sub'])?.index).toBe(1);
    expect(findOverlappingFolder(['/Scans', '/scans/Berlin'], true)?.index).toBe(1);
    expect(findOverlappingFolder(['/Scans', '/scans/Berlin'], false)).toBeNull();
    // Windows paths ignore case on any OS that reads the settings.
    expect(findOverlappingFolder(['C:\\Scans', 'c:/scans/Berlin'], false)?.index).toBe(1);
    expect(findOverlappingFolder(['\\\\server\\share', '\\\\SERVER\\share\\x'], false)?.index).toBe(
      1,
    );
  });

  it('are refused once relative folders are resolved against the config folder', async () => {
    const file = join(dir, 'concur-drop.json');
    await writeFile(
      file,
      JSON.stringify({ folders: [{ path: 'x' }, { path: join(dir, 'x', 'sub') }] }),
    );
    expect(issuesOf(() => loadConfigFile(file))).toEqual([
      `folders.1.path: The folder "${join(dir, 'x', 'sub')}" is inside the watched folder "${join(dir, 'x')}"; watch only one of them.`,
    ]);
    const folders = parseSettings({
      folders: [{ path: 'x' }, { path: join(dir, 'x', 'sub') }],
    }).folders;
    expect(issuesOf(() => resolveRoots(folders, dir))).toEqual([
      expect.stringMatching(/^folders\.1\.path: The folder ".*sub" is inside/),
    ]);
  });

  it('as written in a config file (both relative) are refused by the schema itself', async () => {
    const file = join(dir, 'concur-drop.json');
    await writeFile(file, JSON.stringify({ folders: [{ path: 'x' }, { path: 'x/sub' }] }));
    expect(issuesOf(() => loadConfigFile(file))).toEqual([
      'folders.1.path: The folder "x/sub" is inside the watched folder "x"; watch only one of them.',
    ]);
  });
});
