import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('engine: Concur trouble', () => {
  it('retries through 500 twice, a dropped connection and a 503 with Retry-After, uploading each file exactly once', async () => {
    h = await startEngineHarness({ settings: { concurrency: 1 } });
    h.sandbox.inject(
      { status: 500 },
      { status: 500 },
      { drop: true },
      { status: 503, retryAfter: 1 },
    );
    const started = Date.now();
    await h.put('a.jpg', jpeg(2000, 1));
    await h.put('b.jpg', jpeg(2000, 2));
    const a = await h.waitForJob('a.jpg');
    const b = await h.waitForJob('b.jpg');
    expect([a.state, b.state]).toEqual(['uploaded', 'uploaded']);
    expect(h.sandbox.received()).toHaveLength(2);
    expect(h.sandbox.requests()).toBe(6);
    expect(a.attempts + b.attempts).toBe(6);
    // Retry-After: 1 was honoured although the backoff (20 ms base) was far shorter.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // While backing off, the job said when and which attempt comes next.
    expect(
      h.jobEvents.some(
        (j) => j.state === 'queued' && /retrying in \d+ s \(attempt \d of 8\)/.test(j.detail ?? ''),
      ),
    ).toBe(true);
  });

  it('after the last try, leaves a file failed-retryable in place, and Retry uploads it', async () => {
    h = await startEngineHarness({ engine: { retry: { baseMs: 5, maxMs: 20, tries: 3 } } });
    h.sandbox.inject({ status: 502 }, { status: 502 }, { status: 502 });
    await h.put('later.jpg', jpeg(2000, 3));
    const job = await h.waitForJob('later.jpg');
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ retryable: true, status: 502 });
    expect(job.attempts).toBe(3);
    await h.engine.whenIdle();
    expect(existsSync(join(h.root, 'later.jpg'))).toBe(true);
    expect(existsSync(join(h.root, 'Failed'))).toBe(false);

    expect(await h.engine.retryAllFailed()).toBe(1);
    expect((await h.waitForJob('later.jpg', (j) => j.state === 'uploaded')).id).toBe(job.id);
    expect(h.sandbox.received()).toHaveLength(1);
  });

  it('pauses every upload when Concur refuses the token, fails nothing, and resumes when the token changes', async () => {
    h = await startEngineHarness();
    const paused: string[] = [];
    let resumed = 0;
    h.engine.on('paused', (reason) => paused.push(reason));
    h.engine.on('resumed', () => resumed++);
    h.sandbox.setToken('the-new-token');
    await h.put('one.jpg', jpeg(2000, 4));
    await h.put('two.jpg', jpeg(2000, 5));
    await h.put('three.jpg', jpeg(2000, 6));
    for (const n of ['one.jpg', 'two.jpg', 'three.jpg'])
      await h.waitForJob(n, (j) => j.state === 'paused');
    // The hold is carried out just after a job's pause is recorded: the summary follows.
    await waitFor(() => h!.engine.summary().pausedBy === 'sign-in');
    expect(paused).toEqual(['sign-in']);
    expect(h.engine.summary()).toMatchObject({ pausedBy: 'sign-in', paused: 3, failed: 0 });
    // Paused counts as settled: a `watch --once` run can end with "sign-in needed".
    await h.engine.whenIdle();
    expect(h.sandbox.received()).toHaveLength(0);

    h.token.value = 'the-new-token';
    h.engine.tokenChanged();
    for (const n of ['one.jpg', 'two.jpg', 'three.jpg'])
      expect((await h.waitForJob(n)).state).toBe('uploaded');
    expect(resumed).toBe(1);
    expect(h.sandbox.received()).toHaveLength(3);
    expect(h.engine.summary()).toMatchObject({
      pausedBy: null,
      uploaded: 3,
      uploadedToday: 3,
      failed: 0,
    });
  });

  it('holds uploads while the user has paused, and sends them on resume', async () => {
    h = await startEngineHarness();
    h.engine.pause();
    await h.put('held.jpg', jpeg(2000, 7));
    const job = await h.waitForJob('held.jpg', (j) => j.state === 'paused');
    expect(job.detail).toBe('uploads paused');
    expect(h.engine.summary().pausedBy).toBe('user');
    h.engine.resume();
    expect((await h.waitForJob('held.jpg')).state).toBe('uploaded');
    await waitFor(() => h!.engine.summary().pausedBy === null);
  });

  it('notices by itself that the token was replaced (keychain or environment) and resumes', async () => {
    h = await startEngineHarness({ engine: { tokenRecheckMs: 100 } });
    h.token.value = null; // signed out: nothing is sent at all
    await h.put('waits.jpg', jpeg(2000, 8));
    await h.waitForJob('waits.jpg', (j) => j.state === 'paused');
    // The hold is an effect of the job's move to paused, carried out once that move is recorded.
    await waitFor(() => h!.engine.summary().pausedBy === 'sign-in');
    expect(h.sandbox.requests()).toBe(0);
    h.token.value = h.sandbox.token; // e.g. `concur-drop token set` from another terminal
    expect((await h.waitForJob('waits.jpg')).state).toBe('uploaded');
    // The summary follows the job's own event; on a busy machine it may come a moment later.
    await waitFor(() => h!.engine.summary().pausedBy === null);
  });
});

describe('engine: the summary tells the truth', () => {
  it('keeps its counts equal to the jobs it lists through failures, Retry, pause and resume', async () => {
    h = await startEngineHarness({ engine: { retry: { baseMs: 5, maxMs: 20, tries: 2 } } });
    const states = [
      'waiting',
      'queued',
      'uploading',
      'uploaded',
      'duplicate',
      'failed',
      'paused',
    ] as const;
    const mismatches: string[] = [];
    const check = () => {
      const jobs = h!.engine.jobs('all', 100_000);
      const summary = h!.engine.summary();
      for (const s of states) {
        const listed = jobs.filter((j) => j.state === s).length;
        if (summary[s] !== listed) mismatches.push(`${s}: summary ${summary[s]}, listed ${listed}`);
      }
    };
    h.engine.on('summary', check);

    h.sandbox.inject({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    await h.put('a.jpg', jpeg(2000, 21));
    await h.put('b.jpg', jpeg(2000, 22));
    await h.waitForJob('a.jpg');
    await h.waitForJob('b.jpg');
    await h.engine.whenIdle();
    h.engine.pause();
    await h.engine.retryAllFailed();
    await h.put('c.jpg', jpeg(2000, 23));
    await h.waitForJob('c.jpg', (j) => j.state === 'paused');
    h.engine.resume();
    for (const n of ['a.jpg', 'b.jpg', 'c.jpg'])
      expect((await h.waitForJob(n, (j) => j.state === 'uploaded')).state).toBe('uploaded');
    await h.engine.whenIdle();
    check();
    expect(mismatches).toEqual([]);
    expect(h.engine.summary()).toMatchObject({ uploaded: 3, failed: 0, waiting: 0, queued: 0 });
  });

  it("names the kind and the id of an unknown report in the reason, and puts Concur's message in a receipt-store reason", async () => {
    h = await startEngineHarness();
    h.sandbox.inject({ status: 404 });
    await h.put('report/Trip [NOPE1]/taxi.jpg', jpeg(2000, 7));
    const report = await h.waitForJob('report/Trip [NOPE1]/taxi.jpg');
    expect(report.state).toBe('failed');
    expect(report.error?.reason).toBe(
      'Concur does not know report "Trip" (id NOPE1) (HTTP 404): check the id in the folder\'s name.',
    );
    expect(report.error?.status).toBe(404);

    h.sandbox.inject({
      status: 400,
      body: '<Error><Message>The image could not be read.</Message><Id>E77</Id></Error>',
    });
    await h.put('bad.jpg', jpeg(2000, 8));
    const receipt = await h.waitForJob('bad.jpg');
    expect(receipt.state).toBe('failed');
    expect(receipt.error?.reason).toBe(
      'Concur refused the file for the receipt store (HTTP 400): The image could not be read.',
    );
    expect(receipt.error).toMatchObject({ status: 400, errorId: 'E77' });
    await h.engine.whenIdle();
    const text = await readFile(join(h.root, 'Failed', 'bad.jpg.error.txt'), 'utf8');
    expect(text).toContain('The image could not be read.');
  });
});
