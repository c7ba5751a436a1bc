import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../main/engine/ports.js';
import { isIgnoredPath } from '../../../main/engine/routing/route.js';
import { RootWatcher } from '../../../main/engine/watch/watcher.js';
import { makeTempDir, sleep, waitFor } from '../../helpers/temp-dir.js';

let base: string;
let cleanup: () => Promise<void>;
let watcher: RootWatcher | undefined;
let files: string[];
let problems: Map<string, { code: string; reason: string }>;
let legacy: string[];

beforeEach(async () => {
  ({ path: base, cleanup } = await makeTempDir('concur-drop-problems-'));
  files = [];
  problems = new Map();
  legacy = [];
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await cleanup();
});

async function watch(root: string): Promise<RootWatcher> {
  watcher = new RootWatcher(root, { polling: false, clock: systemClock, isIgnored: isIgnoredPath });
  watcher.on('file', (rel) => files.push(rel));
  watcher.on('problem', (rel, code, reason) => problems.set(rel, { code, reason }));
  watcher.on('not-a-file', (rel) => legacy.push(rel));
  await watcher.start();
  return watcher;
}

/** Every kind of link, all in `dir`: none may be followed. */
async function makeLinks(dir: string, outside: string): Promise<string[]> {
  await writeFile(join(dir, 'real.pdf'), 'INSIDE');
  await symlink(join(dir, 'real.pdf'), join(dir, 'to-inside.pdf'));
  await symlink(join(outside, 'secret.pdf'), join(dir, 'to-outside.pdf'));
  await symlink(join(outside, 'nowhere.pdf'), join(dir, 'dangling.pdf'));
  await symlink(join(dir, 'loop-b.pdf'), join(dir, 'loop-a.pdf'));
  await symlink(join(dir, 'loop-a.pdf'), join(dir, 'loop-b.pdf'));
  await symlink(outside, join(dir, 'to-folder'));
  return ['to-inside.pdf', 'to-outside.pdf', 'dangling.pdf', 'loop-a.pdf', 'to-folder'];
}

describe('what can never be uploaded is reported, not skipped', () => {
  it('reports every symbolic link as a problem and never reports what it points to', async () => {
    const outside = join(base, 'outside');
    const root = join(base, 'root');
    await mkdir(outside);
    await mkdir(join(root, 'later'), { recursive: true });
    await writeFile(join(outside, 'secret.pdf'), 'OUTSIDE');
    const atStart = await makeLinks(root, outside);
    await watch(root);
    // The same again after start: these come from native events, not the initial listing.
    const later = (await makeLinks(join(root, 'later'), outside)).map((n) => `later/${n}`);
    await waitFor(() => [...atStart, ...later].every((rel) => problems.has(rel)), {
      message: () => `problems: ${[...problems.keys()].join(', ')}`,
    });
    for (const rel of [...atStart, ...later]) expect(problems.get(rel)?.code).toBe('symlink');
    expect(problems.get('to-outside.pdf')?.reason).toMatch(
      /shortcut \(symbolic link\) to another file.*does not follow links/,
    );
    expect(problems.get('to-folder')?.reason).toMatch(/to a folder/);
    expect(problems.get('dangling.pdf')?.reason).toMatch(/no longer exists/);
    expect(problems.get('loop-a.pdf')?.reason).toMatch(/leads back to itself/);
    await sleep(200);
    // A file written after start may come as an add and a change: each path once is enough.
    expect([...new Set(files)].sort()).toEqual(['later/real.pdf', 'real.pdf']);
    // The engine that listens only to the older event still hears of each link.
    expect(legacy).toEqual(expect.arrayContaining([...atStart, ...later]));
  });

  it('reports a file whose name is not valid text as a bad name', async () => {
    const root = join(base, 'root');
    await mkdir(root);
    const bad = (name: number[]) => Buffer.concat([Buffer.from(root + '/'), Buffer.from(name)]);
    await writeFile(bad([0x66, 0xff, 0x2e, 0x70, 0x64, 0x66]), 'x'); // f\xff.pdf
    await writeFile(join(root, 'good.pdf'), 'x');
    await watch(root);
    await writeFile(bad([0x67, 0xfe, 0x2e, 0x70, 0x64, 0x66]), 'x'); // g\xfe.pdf, after start
    await waitFor(() => problems.size === 2, {
      message: () => `problems: ${[...problems.keys()].join(', ')}`,
    });
    expect(problems.get('f\uFFFD.pdf')).toEqual({
      code: 'bad-name',
      reason: expect.stringMatching(/name of this file is not valid text.*Rename/),
    });
    expect(problems.get('g\uFFFD.pdf')?.code).toBe('bad-name');
    expect(files).toEqual(['good.pdf']);
    expect(legacy).toEqual(['f\uFFFD.pdf', 'g\uFFFD.pdf']);
  });

  it('reports a named pipe as not a file, in both events', async () => {
    const root = join(base, 'root');
    await mkdir(root);
    execFileSync('mkfifo', [join(root, 'pipe.pdf')]);
    await watch(root);
    await waitFor(() => problems.has('pipe.pdf'));
    expect(problems.get('pipe.pdf')?.code).toBe('not-a-file');
    expect(legacy).toContain('pipe.pdf');
    expect(files).toEqual([]);
  });

  it('reports an unreadable sub-folder and file, and an unreadable root as unavailable', async () => {
    const root = join(base, 'root');
    await mkdir(join(root, 'locked'), { recursive: true });
    await writeFile(join(root, 'locked', 'hidden.pdf'), 'x');
    await writeFile(join(root, 'secret.pdf'), 'x');
    await writeFile(join(root, 'open.pdf'), 'x');
    const closedRoot = join(base, 'closed');
    await mkdir(closedRoot);
    await writeFile(join(closedRoot, 'a.pdf'), 'x');
    const asRoot = process.getuid?.() === 0;
    const nobody = 65534;
    if (asRoot) {
      // Root may read anything: the watcher runs in a child process as "nobody".
      for (const p of [base, root, join(root, 'locked'), closedRoot])
        await chown(p, nobody, nobody);
      for (const name of await readdir(root)) await chown(join(root, name), nobody, nobody);
    }
    await chmod(join(root, 'locked'), 0o000);
    await chmod(join(root, 'secret.pdf'), 0o000);
    await chmod(closedRoot, 0o000);
    const events = (dir: string, then?: 'grant') =>
      watchElsewhere(dir, asRoot ? nobody : undefined, then);

    // Once read access is given, what was in there is reported after all.
    const inRoot = await events(root, 'grant');
    expect(inRoot).toContainEqual([
      'problem',
      'locked',
      'unreadable',
      expect.stringMatching(/may not read this folder \(permission denied\)/),
    ]);
    expect(inRoot).toContainEqual([
      'problem',
      'secret.pdf',
      'unreadable',
      expect.stringMatching(/may not read this file/),
    ]);
    expect(inRoot).toContainEqual(['file', 'open.pdf', 'add']);
    const files = inRoot.filter((e) => e[0] === 'file');
    expect(files.slice(0, 1)).toEqual([['file', 'open.pdf', 'add']]);
    expect(files.slice(1)).toEqual(
      expect.arrayContaining([
        ['file', 'locked/hidden.pdf', 'add'],
        ['file', 'secret.pdf', 'add'],
      ]),
    );

    const ofClosed = await events(closedRoot);
    expect(ofClosed).toContainEqual([
      'unavailable',
      'Concur Drop may not read this folder (permission denied)',
    ]);
    expect(ofClosed.filter((e) => e[0] === 'file')).toEqual([]);
    await chmod(join(root, 'locked'), 0o700);
    await chmod(closedRoot, 0o700);
  });

  it('reports a root whose read permission is taken away as unavailable, and resumes when it is back', async () => {
    const root = join(base, 'root');
    await mkdir(root);
    await writeFile(join(root, 'first.pdf'), 'x');
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      for (const p of [base, root, join(root, 'first.pdf')]) await chown(p, 65534, 65534);
    }
    const seen = await watchElsewhere(root, asRoot ? 65534 : undefined, 'revoke');
    const events = seen.map((e) => e.slice(0, 2));
    expect(events.slice(0, 4)).toEqual([
      ['file', 'first.pdf'],
      ['ready'],
      ['unavailable', 'Concur Drop may not read this folder (permission denied)'],
      ['available'],
    ]);
    // Re-armed: its scan reports what is there again, the new file among it.
    expect(events.slice(4)).toEqual(
      expect.arrayContaining([['file', 'first.pdf'], ['file', 'back.pdf'], ['ready']]),
    );
  });
});

/** Runs the watcher over `root` until its scan is done, as `uid` when given; returns its events. */
async function watchElsewhere(
  root: string,
  uid: number | undefined,
  then?: 'revoke' | 'grant',
): Promise<unknown[][]> {
  const script = join(import.meta.dirname, 'fixtures', 'watch-once.ts');
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', script, root, ...(then ? [then] : [])],
    {
      encoding: 'utf8',
      timeout: 20_000,
      ...(uid !== undefined && { uid, gid: uid }),
    },
  );
  if (run.status !== 0) throw new Error(`watcher child failed: ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown[]);
}
