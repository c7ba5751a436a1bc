import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, ledgerDir } from '../../../main/engine/ledger/ledger.js';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

/**
 * Races and faults between parts that each look right alone (issue 7): each
 * test failed on the engine before the lifecycle redesign.
 */

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('engine: the job lifecycle under races', () => {
  it('sends a scan renamed over one that is uploading as a job of its own, and moves only what was sent', async () => {
    h = await startEngineHarness({ settings: { concurrency: 1 } });
    const a = jpeg(3000, 71);
    const b = jpeg(3400, 72);
    h.sandbox.inject({ delayMs: 1500 });
    await h.put('scan.jpg', a);
    await h.waitForJob('scan.jpg', (j) => j.state === 'uploading');
    // The scanner writes the next scan under a temp name and renames it over the first.
    await h.put('.scan.jpg.tmp', b);
    await rename(join(h.root, '.scan.jpg.tmp'), join(h.root, 'scan.jpg'));

    await waitFor(() => h!.sandbox.received().length === 2, { timeoutMs: 15_000 });
    await h.engine.whenIdle();
    expect(
      h.sandbox
        .received()
        .map((r) => r.sha256)
        .sort(),
    ).toEqual([sha(a), sha(b)].sort());
    const uploaded = await readFile(join(h.root, 'Uploaded', 'scan.jpg'));
    const second = existsSync(join(h.root, 'Uploaded', 'scan (2).jpg'))
      ? await readFile(join(h.root, 'Uploaded', 'scan (2).jpg'))
      : undefined;
    // Whatever is in Uploaded/ was sent: B never lands there unsent under A's record.
    for (const file of [uploaded, second]) if (file) expect([sha(a), sha(b)]).toContain(sha(file));
    const jobs = h.engine.jobs('all').filter((j) => j.name === 'scan.jpg');
    expect(jobs.map((j) => j.state).sort()).toEqual(['uploaded', 'uploaded']);
  });

  it('keeps an entry merge window open while a member that arrived in time is still being inspected', async () => {
    h = await startEngineHarness({ settings: { batchWindowMs: 2000, settleMs: 0 } });
    const dir = 'entry/Taxi [ENTB]';
    // A backlog ahead of the second member keeps it waiting for inspection past the window.
    await h.put(`${dir}/scan_0.jpg`, jpeg(2000, 80));
    await Promise.all(
      Array.from({ length: 150 }, (_, i) => h!.put(`r${i}.jpg`, jpeg(20_000, 100 + i))),
    );
    await h.put(`${dir}/scan_1.jpg`, jpeg(2100, 81));
    const [first, second] = await Promise.all([
      h.waitForJob(`${dir}/scan_0.jpg`, undefined, 60_000),
      h.waitForJob(`${dir}/scan_1.jpg`, undefined, 60_000),
    ]);
    expect([first.state, second.state]).toEqual(['uploaded', 'uploaded']);
    const entry = h.sandbox.received().filter((r) => r.kind === 'entry');
    expect(entry).toHaveLength(1);
    expect(entry[0].pdfPages).toBe(2);
  }, 90_000);

  it('remembers across a restart that an answer was lost, so the entry counts as done', async () => {
    h = await startEngineHarness({ engine: { retry: { baseMs: 5_000, maxMs: 5_000, tries: 8 } } });
    // Concur stores the image, then the connection drops before the answer.
    h.sandbox.inject({ acceptThenDrop: true });
    await h.put('entry/E9/receipt.jpg', jpeg(2500, 90));
    await h.waitForJob('entry/E9/receipt.jpg', (j) => j.state === 'queued' && j.attempts === 1);
    expect(h.sandbox.received()).toHaveLength(1);
    // Stopped during the backoff (SIGTERM), then started again.
    await h.restart();
    const after = await h.waitForJob('entry/E9/receipt.jpg', undefined, 20_000);
    expect(after.state).toBe('uploaded');
    expect(h.sandbox.received()).toHaveLength(1);
  });

  it('gives a file that failed only because Concur was unreachable a fresh chance at the next start', async () => {
    h = await startEngineHarness({ engine: { retry: { baseMs: 5, maxMs: 10, tries: 2 } } });
    h.sandbox.inject({ status: 503 }, { status: 503 });
    await h.put('later.jpg', jpeg(2200, 95));
    const failed = await h.waitForJob('later.jpg');
    expect(failed).toMatchObject({ state: 'failed', error: { retryable: true } });
    expect(existsSync(join(h.root, 'later.jpg'))).toBe(true);
    await h.restart();
    expect((await h.waitForJob('later.jpg', (j) => j.state === 'uploaded')).id).toBe(failed.id);
    expect(h.sandbox.received()).toHaveLength(1);
  });

  it('records each change of phase with a stable code and version 2 in the ledger', async () => {
    h = await startEngineHarness();
    await h.put('empty.pdf', Buffer.alloc(0));
    await h.waitForJob('empty.pdf');
    await h.engine.whenIdle();
    await h.engine.stop();
    const ledger = await Ledger.open(ledgerDir(h.dataDir), { readOnly: true });
    const [job] = ledger.all();
    await ledger.close();
    expect(job).toMatchObject({ v: 2, phase: 'done', state: 'failed', disposition: 'moved' });
    expect(job.error?.code).toBe('empty');
    await writeFile(join(h.root, 'unused'), ''); // keeps close() from racing a watcher on an empty root
  });
});

describe('engine: Retry asked for from another process', () => {
  it('applies a `concur-drop retry` request while running, and sends the file once', async () => {
    const { requestRetry } = await import('../../../main/engine/retry-request.js');
    h = await startEngineHarness({
      engine: { retry: { baseMs: 5, maxMs: 10, tries: 2 }, requestsMs: 100 },
    });
    h.sandbox.inject({ status: 503 }, { status: 503 });
    await h.put('stranded.jpg', jpeg(2300, 97));
    const failed = await h.waitForJob('stranded.jpg');
    expect(failed).toMatchObject({ state: 'failed', error: { retryable: true } });
    // The ledger is the running engine's; the request goes through the data folder.
    const asked = await requestRetry(h.dataDir, 'all');
    expect(asked.queued).toEqual([failed.id]);
    expect((await h.waitForJob('stranded.jpg', (j) => j.state === 'uploaded')).id).toBe(failed.id);
    expect(h.sandbox.received()).toHaveLength(1);
  });
});

describe('engine: a big backlog', () => {
  it('takes on a backlog a few hundred files at a time, and sends every file once', async () => {
    const before: Record<string, Buffer> = {};
    for (let i = 0; i < 700; i++) before[`b${i}.jpg`] = jpeg(2000 + i, i);
    h = await startEngineHarness({ noStart: true, before, settings: { settleMs: 0 } });
    let most = 0;
    h.engine.on('summary', (s) => {
      most = Math.max(most, s.waiting + s.queued + s.uploading);
    });
    await h.engine.start();
    await waitFor(() => h!.sandbox.received().length === 700, {
      timeoutMs: 60_000,
      message: () => JSON.stringify(h!.engine.summary()),
    });
    await h.engine.whenIdle();
    expect(new Set(h.sandbox.received().map((r) => r.sha256)).size).toBe(700);
    // Memory holds the jobs in motion, not the whole folder.
    expect(most).toBeLessThanOrEqual(300);
    expect(most).toBeGreaterThan(0);
  }, 90_000);
});
