import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, ledgerDir } from '../../main/engine/ledger/ledger.js';
import type { Job } from '../../main/engine/types.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('concur-drop-retry-'));
});
afterAll(() => cleanup());

const GAVE_UP = 'aaaaaaaa-1111-4000-8000-000000000001';
const REFUSED = 'bbbbbbbb-2222-4000-8000-000000000002';
const SENT = 'cccccccc-3333-4000-8000-000000000003';

function job(id: string, name: string, extra: Partial<Job>): Job {
  return {
    id,
    root: join(dir, 'Scans'),
    relPath: name,
    name,
    target: { kind: 'receipt' },
    state: 'queued',
    attempts: 1,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...extra,
  };
}

let dataDir: string;
let n = 0;
/** A data dir whose ledger holds one job of each kind a user could name. */
beforeEach(async () => {
  dataDir = join(dir, `data-${n++}`);
  const ledger = await Ledger.open(ledgerDir(dataDir));
  await ledger.put(
    job(GAVE_UP, 'taxi.pdf', {
      state: 'failed',
      error: { reason: 'Concur could not be reached.', retryable: true, code: 'gave-up' },
    }),
  );
  await ledger.put(
    job(REFUSED, 'empty.pdf', {
      state: 'failed',
      error: { reason: 'The file is empty.', retryable: false, code: 'empty' },
      finalPath: join(dir, 'Scans', 'Failed', 'empty.pdf'),
    }),
  );
  await ledger.put(job(SENT, 'hotel.pdf', { state: 'uploaded', imageId: 'IMG1' }));
  await ledger.close();
});

async function requests(): Promise<unknown[]> {
  const folder = join(dataDir, 'requests');
  if (!existsSync(folder)) return [];
  const names = (await readdir(folder)).sort();
  expect(
    names.every((name) => /^retry-\d+-[0-9a-f]{8}\.json$/.test(name)),
    names.join(),
  ).toBe(true);
  return Promise.all(
    names.map(async (name) => JSON.parse(await readFile(join(folder, name), 'utf8')) as unknown),
  );
}

describe('concur-drop retry', { timeout: 60_000 }, () => {
  it('writes one request for the named failed jobs, while a watcher holds the ledger', async () => {
    // The watcher's lock: retry only reads the ledger and leaves a request beside it.
    const watcher = await Ledger.open(ledgerDir(dataDir));
    try {
      const r = await runCli([
        'retry',
        '--data-dir',
        dataDir,
        GAVE_UP.slice(0, 8),
        join(dir, 'Scans', 'Failed', 'empty.pdf'),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Retry requested for 2 jobs/);
    } finally {
      await watcher.close();
    }
    expect(await requests()).toEqual([{ jobs: [GAVE_UP, REFUSED], force: false }]);
  });

  it('--all asks for every retryable failure, --force passed on, --json for tools', async () => {
    const r = await runCli(['retry', '--data-dir', dataDir, '--all', '--force', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ queued: [GAVE_UP], unknown: [], notRetryable: [] });
    expect(await requests()).toEqual([{ jobs: 'all', force: true }]);
  });

  it('says which names match no job or a job that has not failed, and exits 1 with nothing asked', async () => {
    const r = await runCli(['retry', '--data-dir', dataDir, 'no-such-job', SENT]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`No job "no-such-job" in ${dataDir}.`);
    expect(r.stderr).toContain(`"${SENT}" has not failed: nothing to retry`);
    expect(await requests()).toEqual([]);

    const json = await runCli(['retry', '--data-dir', dataDir, '--json', 'no-such-job', SENT]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      queued: [],
      unknown: ['no-such-job'],
      notRetryable: [SENT],
    });
  });

  it('exits 2 for a data dir that holds no Concur Drop data, creating nothing', async () => {
    const typo = join(dir, 'no-such-data-dir');
    const r = await runCli(['retry', '--data-dir', typo, '--all']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`There is no Concur Drop data in ${typo}`);
    expect(existsSync(typo)).toBe(false);
  });

  it('exits 2 with the usage line when told neither jobs nor --all, or both', async () => {
    const [neither, both] = await Promise.all([
      runCli(['retry', '--data-dir', dataDir]),
      runCli(['retry', '--data-dir', dataDir, '--all', GAVE_UP]),
    ]);
    for (const r of [neither, both]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('usage: concur-drop retry');
    }
  });
});
