import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import type { Job, Summary } from '../../main/engine/types.js';
import { jpeg, pdf, TEXT_AS_PDF } from '../fixtures/scans.js';
import { buildCli, runCli, spawnCli, exited, tempDir, until } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

const TOKEN = 'watch-test-token';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, token: TOKEN });
});
afterAll(() => sandbox.close());

let dir: string;
let cleanup: () => Promise<void>;
let root: string;
let dataDir: string;
let config: string;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  root = join(dir, 'Scans');
  dataDir = join(dir, 'data');
  await mkdir(root);
  config = join(dir, 'concur-drop.json');
  await writeFile(
    config,
    JSON.stringify({
      concur: { baseUrl: sandbox.url },
      folders: [{ path: 'Scans' }],
      settleMs: 200,
      batchWindowMs: 500,
    }),
  );
  sandbox.reset();
});
afterEach(() => cleanup());

const watchOnce = (
  extra: string[] = [],
  env: Record<string, string | undefined> = { CONCUR_DROP_TOKEN: TOKEN },
) => runCli(['watch', '--once', '--config', config, '--data-dir', dataDir, ...extra], { env });

const parseLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.trim())
    .map(
      (l) => JSON.parse(l) as { event: string; job?: Job; summary?: Summary; exitCode?: number },
    );

describe('concur-drop watch --once', { timeout: 90_000 }, () => {
  it('exits 0 when every file was uploaded, and moves them to Uploaded/', async () => {
    await writeFile(join(root, 'taxi.jpg'), jpeg(4000));
    await mkdir(join(root, 'report', 'Berlin trip [A2C40CEE415B43B2A0BE]'), { recursive: true });
    await writeFile(
      join(root, 'report', 'Berlin trip [A2C40CEE415B43B2A0BE]', 'hotel.pdf'),
      await pdf(),
    );
    const r = await watchOnce();
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/uploaded +taxi\.jpg → the receipt store \(image /);
    expect(r.stdout).toMatch(
      /uploaded +report\/Berlin trip \[A2C40CEE415B43B2A0BE\]\/hotel\.pdf → report Berlin trip/,
    );
    // One line per state change, never per progress tick or detail.
    const states = r.stdout
      .split('\n')
      .filter((l) => l.includes(' taxi.jpg '))
      .map((l) => l.split(/\s+/)[1]);
    expect(states.at(-1)).toBe('uploaded');
    expect(new Set(states).size).toBe(states.length);
    expect(
      sandbox
        .received()
        .map((x) => x.kind)
        .sort(),
    ).toEqual(['receipt', 'report']);
    expect(await readdir(join(root, 'Uploaded'))).toContain('taxi.jpg');
  });

  it('exits 1 when a file failed, and puts it in Failed/ with its reason', async () => {
    await writeFile(join(root, 'good.jpg'), jpeg(3000));
    await writeFile(join(root, 'notes.pdf'), TEXT_AS_PDF);
    const r = await watchOnce();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/failed +notes\.pdf/);
    expect(existsSync(join(root, 'Failed', 'notes.pdf'))).toBe(true);
    expect(sandbox.received()).toHaveLength(1);
  });

  it('exits 3 when Concur refuses the token, without failing or moving the file', async () => {
    await writeFile(join(root, 'taxi.jpg'), jpeg(3000));
    const r = await watchOnce([], { CONCUR_DROP_TOKEN: 'a-token-concur-refuses' });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout + r.stderr).not.toContain('a-token-concur-refuses');
    expect(existsSync(join(root, 'taxi.jpg'))).toBe(true);
    expect(sandbox.received()).toHaveLength(0);
  });

  it('exits 3 when there is no token at all and no keychain', async () => {
    await writeFile(join(root, 'taxi.jpg'), jpeg(3000));
    const r = await watchOnce([], {
      CONCUR_DROP_TOKEN: undefined,
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/set CONCUR_DROP_TOKEN/);
    expect(existsSync(join(root, 'taxi.jpg'))).toBe(true);
  });

  it('exits 1 when a watched folder cannot be reached', async () => {
    await writeFile(
      config,
      JSON.stringify({ concur: { baseUrl: sandbox.url }, folders: [{ path: 'Gone' }] }),
    );
    const r = await watchOnce();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/unavailable: .*Gone/);
  });

  it('exits 2 for a config error before touching any file', async () => {
    await writeFile(join(root, 'taxi.jpg'), jpeg(3000));
    await writeFile(config, JSON.stringify({ folders: [{ path: 'Scans', poling: true }] }));
    const r = await watchOnce();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/folders\.0: unknown key "poling"/);
    expect(existsSync(join(root, 'taxi.jpg'))).toBe(true);
  });

  it('prints one JSON object per event with --json, and status --json shows the jobs afterwards', async () => {
    await writeFile(join(root, 'a.jpg'), jpeg(3000, 1));
    await writeFile(join(root, 'b.png'), Buffer.from(await pdf())); // named .png, a PDF by its bytes
    const r = await watchOnce(['--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = parseLines(r.stdout);
    expect(lines.length).toBeGreaterThan(2);
    const uploaded = lines.filter((l) => l.event === 'job' && l.job?.state === 'uploaded');
    expect([...new Set(uploaded.map((l) => l.job!.name))].sort()).toEqual(['a.jpg', 'b.png']);
    expect(lines.some((l) => l.event === 'summary')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ event: 'done', exitCode: 0 });
    expect(r.stdout).not.toContain(TOKEN);

    const status = await runCli(['status', '--data-dir', dataDir, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const { summary, jobs } = JSON.parse(status.stdout) as { summary: Summary; jobs: Job[] };
    expect(summary.uploaded).toBe(2);
    expect(jobs.map((j) => [j.name, j.state, !!j.imageId]).sort()).toEqual([
      ['a.jpg', 'uploaded', true],
      ['b.png', 'uploaded', true],
    ]);
    const readable = await runCli(['status', '--data-dir', dataDir]);
    expect(readable.stdout).toMatch(/2 uploaded/);
    expect(readable.stdout).toMatch(/uploaded +a\.jpg/);
  });
});

describe('concur-drop watch until a signal', { timeout: 90_000 }, () => {
  it('exits 0 on SIGTERM with the ledger holding the interrupted upload, which the next run finishes', async () => {
    await writeFile(join(root, 'slow.jpg'), jpeg(5000, 7));
    sandbox.inject({ delayMs: 20_000 });
    const child = spawnCli(['watch', '--config', config, '--data-dir', dataDir, '--json'], {
      env: { CONCUR_DROP_TOKEN: TOKEN },
    });
    await until(
      () => child.out.stdout.includes('"state":"uploading"'),
      20_000,
      'the upload to start',
    );
    child.kill('SIGTERM');
    const r = await exited(child, 20_000);
    expect(r.code, r.stderr).toBe(0);

    const status = await runCli(['status', '--data-dir', dataDir, '--json']);
    const { jobs } = JSON.parse(status.stdout) as { jobs: Job[] };
    expect(jobs.map((j) => j.name)).toEqual(['slow.jpg']);
    expect(['uploading', 'queued', 'waiting']).toContain(jobs[0].state);

    sandbox.reset();
    const again = await watchOnce();
    expect(again.code, again.stderr).toBe(0);
    expect(sandbox.received()).toHaveLength(1);
    expect(existsSync(join(root, 'Uploaded', 'slow.jpg'))).toBe(true);
  });

  const rendererBuilt = existsSync(join(import.meta.dirname, '../../out/renderer/index.html'));
  if (!rendererBuilt)
    console.log('watch --ui-port test skipped: out/renderer is not built (npm run build)');

  it.skipIf(!rendererBuilt)(
    'serves the status window to a browser with --ui-port and prints its URL',
    async () => {
      const child = spawnCli(
        ['watch', '--config', config, '--data-dir', dataDir, '--json', '--ui-port', '0'],
        {
          env: { CONCUR_DROP_TOKEN: TOKEN },
        },
      );
      const line = await until(
        () => child.out.stdout.split('\n').find((l) => l.includes('"event":"ui"')),
        20_000,
        () => `the ui line; stderr: ${child.out.stderr}`,
      );
      const { url } = JSON.parse(line!) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*token=/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      child.kill('SIGINT');
      expect((await exited(child, 20_000)).code).toBe(0);
    },
  );

  it('refuses a second watcher on the same data dir with exit 2, while status still reads it', async () => {
    const first = spawnCli(['watch', '--config', config, '--data-dir', dataDir], {
      env: { CONCUR_DROP_TOKEN: TOKEN },
    });
    await until(() => first.out.stderr.includes('Watching'), 20_000, 'the first watcher');
    const second = await watchOnce();
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/ledger is in use by process \d+/);
    // status reads the ledger without its lock, so it works beside the running watcher.
    const status = await runCli(['status', '--data-dir', dataDir, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ summary: { failed: 0 } });
    first.kill('SIGTERM');
    expect((await exited(first, 20_000)).code).toBe(0);
  });
});
