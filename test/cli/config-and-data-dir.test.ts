import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, tempDir } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('concur-drop-cli-config-'));
  await chmod(dir, 0o755); // readable by the unprivileged user of the read-only test
});
afterAll(() => cleanup());

async function watchWith(config: unknown, dataDir = join(dir, 'data')) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(config));
  await chmod(file, 0o644);
  return {
    file,
    run: (options = {}) =>
      runCli(['watch', '--once', '--config', file, '--data-dir', dataDir], options),
  };
}

describe('config errors exit 2 naming the key', { timeout: 60_000 }, () => {
  it('refuses watched folders that nest, naming both', async () => {
    const asWritten = await (
      await watchWith({ folders: [{ path: 'x' }, { path: 'x/sub' }, { path: 'x/report/R1' }] })
    ).run();
    expect(asWritten.code, asWritten.stderr).toBe(2);
    expect(asWritten.stderr).toContain(
      'folders.1.path: The folder "x/sub" is inside the watched folder "x"; watch only one of them.',
    );
    const resolved = await (
      await watchWith({ folders: [{ path: join(dir, 'x', 'report', 'R1') }, { path: 'x' }] })
    ).run();
    expect(resolved.code, resolved.stderr).toBe(2);
    expect(resolved.stderr).toContain(
      `folders.1.path: The folder "${join(dir, 'x', 'report', 'R1')}" is inside the watched folder "${join(dir, 'x')}"`,
    );
  });

  it('names concur.baseUrl for an address that is not a URL', async () => {
    const r = await (
      await watchWith({ concur: { baseUrl: 'https://exa mple.com' }, folders: [{ path: 'in' }] })
    ).run();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      'concur.baseUrl: must be a URL such as https://www.concursolutions.com',
    );
    expect(r.stderr).not.toContain('Invalid URL');
  });

  it('refuses a user name and password in a loopback address for that reason, not https', async () => {
    const r = await (
      await watchWith({
        concur: { baseUrl: 'http://me:secret@127.0.0.1:9' },
        folders: [{ path: 'in' }],
      })
    ).run();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('concur.baseUrl: must not contain a user name or password');
    expect(r.stderr).not.toMatch(/must use https|secret/);
  });
});

describe('the data folder', { timeout: 60_000 }, () => {
  it('says plainly that a read-only data folder cannot be written, exit 2', async () => {
    const dataDir = join(dir, 'read-only-data');
    await mkdir(dataDir);
    await chmod(dataDir, 0o555);
    await mkdir(join(dir, 'in'), { recursive: true });
    // Root writes anywhere: the command then runs as "nobody", whom the mode bits do stop.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const { run } = await watchWith(
      { concur: { baseUrl: 'http://127.0.0.1:9' }, folders: [{ path: 'in' }] },
      dataDir,
    );
    const r = await run({ ...asUser, env: { CONCUR_DROP_TOKEN: 'test-token' } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`The data folder ${dataDir} cannot be written (permission denied)`);
    expect(r.stderr).not.toMatch(/EACCES|ENOENT|mkdir/);
  });

  it('says in German with LANG=de_DE.UTF-8 that a file is in the data folder’s way, exit 2', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, '');
    await mkdir(join(dir, 'in'), { recursive: true });
    const dataDir = join(blocker, 'data');
    const { run } = await watchWith(
      { concur: { baseUrl: 'http://127.0.0.1:9' }, folders: [{ path: 'in' }] },
      dataDir,
    );
    const r = await run({
      env: { CONCUR_DROP_TOKEN: 'test-token', LANG: 'de_DE.UTF-8', LC_ALL: undefined },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `In den Datenordner ${dataDir} kann nicht geschrieben werden (eine Datei mit diesem Namen ist im Weg).`,
    );
    expect(r.stderr).not.toMatch(/ENOTDIR|cannot be written/);
  });

  it('status on a folder without Concur Drop data says so, exit 2, and creates nothing', async () => {
    const typo = join(dir, 'typo');
    for (const args of [[], ['--json']]) {
      const r = await runCli(['status', '--data-dir', typo, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`There is no Concur Drop data in ${typo}`);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(typo)).toBe(false);
  });
});
