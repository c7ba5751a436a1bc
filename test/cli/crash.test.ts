import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';
import { buildCli, exited, runCli, spawnCli, tempDir, until } from './cli-harness.js';

/**
 * docs/architecture.md#the-ledger: a crash at any moment loses no file and repeats at most the
 * uploads that were in flight. The real CLI is killed with SIGKILL while a
 * backlog uploads, five times, then allowed to finish.
 */

beforeAll(() => buildCli(), 120_000);

const TOKEN = 'crash-test-token';
const FILES = 100;
const KILLS = 5;
const CONCURRENCY = 2;

/** mulberry32: a seeded PRNG, so a failing run can be repeated with the same kill moments. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let sandbox: Sandbox;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, token: TOKEN });
  ({ dir, cleanup } = await tempDir('concur-drop-crash-'));
});
afterAll(async () => {
  await sandbox.close();
  await cleanup();
});

describe('crash safety of concur-drop watch', { timeout: 90_000 }, () => {
  it('loses no scan and repeats at most the in-flight uploads when killed five times mid-backlog', async () => {
    const seed = Number(process.env.CRASH_SEED ?? 20261129);
    const random = prng(seed);
    const root = join(dir, 'Scans');
    const dataDir = join(dir, 'data');
    await mkdir(root);
    const expected = new Map<string, string>();
    for (let i = 0; i < FILES; i++) {
      const bytes = jpeg(1500 + (i % 7) * 100, i);
      const name = `receipt-${String(i).padStart(3, '0')}.jpg`;
      await writeFile(join(root, name), bytes);
      expected.set(createHash('sha256').update(bytes).digest('hex'), name);
    }
    const config = join(dir, 'concur-drop.json');
    await writeFile(
      config,
      JSON.stringify({
        concur: { baseUrl: sandbox.url },
        folders: [{ path: 'Scans' }],
        concurrency: CONCURRENCY,
        settleMs: 100,
      }),
    );
    // Slow every upload a little so each kill is likely to land with uploads in flight.
    sandbox.inject(...Array.from({ length: 400 }, () => ({ delayMs: 60 })));
    const args = ['watch', '--once', '--json', '--config', config, '--data-dir', dataDir];
    const env = { CONCUR_DROP_TOKEN: TOKEN };

    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      const child = spawnCli(args, { env });
      const before = sandbox.requests();
      // Kill only once this run has started uploading, then at a seeded random moment.
      await until(
        () => child.exitCode !== null || sandbox.requests() > before,
        20_000,
        `round ${round} to start uploading`,
      );
      await new Promise((r) => setTimeout(r, 100 + random() * 900));
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        kills++;
      }
      const r = await exited(child, 20_000);
      if (r.signal !== 'SIGKILL') expect(r.code, r.stderr).toBe(0);
    }
    console.log(
      `crash test: seed ${seed}, ${kills} kills, ${sandbox.received().length} uploads before the final run`,
    );

    const final = await runCli(args, { env, timeoutMs: 30_000 });
    expect(final.code, final.stderr).toBe(0);

    const received = sandbox.received();
    const got = new Set(received.map((x) => x.sha256));
    const lost = [...expected].filter(([sha]) => !got.has(sha)).map(([, name]) => name);
    expect(lost, 'files never uploaded').toEqual([]);
    expect((await readdir(join(root, 'Uploaded'))).sort()).toEqual([...expected.values()].sort());
    expect((await readdir(root)).filter((n) => n !== 'Uploaded')).toEqual([]);
    const extra = received.length - FILES;
    console.log(
      `crash test: ${extra} extra uploads after ${kills} kills (limit ${kills * CONCURRENCY})`,
    );
    expect(extra, `extra uploads after ${kills} kills`).toBeLessThanOrEqual(kills * CONCURRENCY);
    expect(kills).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
