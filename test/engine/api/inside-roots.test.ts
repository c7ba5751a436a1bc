import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInsideRoots } from '../../../main/engine/api/inside-roots.js';

let dir: string;
let root: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-roots-'));
  root = join(dir, 'Scans');
  await mkdir(join(root, 'report', 'Berlin [R1]'), { recursive: true });
  await writeFile(join(root, 'report', 'Berlin [R1]', 'taxi.pdf'), 'x');
  await writeFile(join(dir, 'secret.txt'), 'not a scan');
  await symlink(join(dir, 'secret.txt'), join(root, 'innocent.pdf'));
  await symlink(dir, join(root, 'way-out'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('paths from the UI are opened only inside watched folders', () => {
  it('accepts a file inside a root, and a gone file whose folder is inside', async () => {
    const file = join(root, 'report', 'Berlin [R1]', 'taxi.pdf');
    expect(await resolveInsideRoots(file, [root])).toBe(file);
    expect(await resolveInsideRoots(join(root, 'deleted.pdf'), [root])).toBe(root);
  });

  it('refuses .. escapes and symlinks that point out of the root', async () => {
    expect(await resolveInsideRoots(join(root, '..', 'secret.txt'), [root])).toBeNull();
    expect(await resolveInsideRoots(join(root, 'innocent.pdf'), [root])).toBeNull();
    expect(await resolveInsideRoots(join(root, 'way-out', 'secret.txt'), [root])).toBeNull();
    expect(await resolveInsideRoots('/etc/passwd', [root])).toBeNull();
  });

  it('refuses a sibling folder whose name merely starts like the root', async () => {
    await mkdir(join(dir, 'Scans-other'), { recursive: true });
    expect(await resolveInsideRoots(join(dir, 'Scans-other'), [root])).toBeNull();
  });
});
