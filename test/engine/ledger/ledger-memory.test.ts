import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../../main/engine/ledger/ledger.js';
import type { Job } from '../../../main/engine/types.js';
import { job, useLedgerDir } from './helpers.js';

const ledgers = useLedgerDir();

/**
 * 60 jobs through their life, every fifth kept in place, every seventh an
 * entry upload, every ninth failed-retryable (kept), the rest moved; the
 * last three left unfinished. Only 5 finished jobs stay in memory.
 */
async function history(ledger: Ledger): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let i = 0; i < 60; i++) {
    const target =
      i % 7 === 0 ? { kind: 'entry' as const, id: `E${i}` } : { kind: 'receipt' as const };
    const base = job(`j${i}`, {
      relPath: `r/${i}.jpg`,
      name: `${i}.jpg`,
      target,
      state: 'waiting',
      size: 1000 + i,
      mtimeMs: 5000 + i,
    });
    await ledger.put(base);
    await ledger.put({ ...base, state: 'queued', sha256: `sha${i}` });
    if (i >= 57) {
      jobs.push({ ...base, state: 'queued', sha256: `sha${i}` });
      continue;
    }
    await ledger.put({ ...base, state: 'uploading', sha256: `sha${i}`, attempts: 1 });
    let done: Job;
    if (i % 9 === 0) {
      done = {
        ...base,
        state: 'failed',
        sha256: `sha${i}`,
        attempts: 8,
        finishedAt: base.createdAt + 500,
        error: {
          reason: 'Concur could not take the file after 8 attempts: refused',
          retryable: true,
        },
      };
    } else {
      done = {
        ...base,
        state: 'uploaded',
        sha256: `sha${i}`,
        attempts: 1,
        imageId: `IMG${i}`,
        finishedAt: base.createdAt + 500,
      };
      if (i % 5 === 0) done.detail = 'kept in place';
    }
    await ledger.put(done);
    if (done.state === 'uploaded' && i % 5 !== 0) {
      done = { ...done, finalPath: `/scans/Uploaded/r/${i}.jpg` };
      await ledger.put(done);
    }
    jobs.push(done);
  }
  return jobs;
}

/** Every answer the engine asks of the ledger about these jobs, as plain data. */
function answers(ledger: Ledger, jobs: Job[]) {
  return {
    counts: ledger.counts(),
    uploadedSince: ledger.uploadedSince(0),
    unfinished: ledger.unfinished().map((r) => r.id),
    uploaded: jobs.map(
      (j) =>
        ledger.findUploaded(
          `sha${j.id.slice(1)}`,
          j.target!.kind === 'entry' ? `entry:${j.target!.id}` : 'receipt',
        ) ?? null,
    ),
    imaged: jobs.map((j) =>
      j.target!.kind === 'entry' ? ledger.imaged(`entry:${j.target!.id}`) : null,
    ),
    paths: jobs.map((j) => ledger.lastAtPath('/scans', j.relPath) ?? null),
  };
}

describe('bounded memory', () => {
  it('keeps only unfinished and the newest finished jobs in memory, and answers for the others from its indexes, also after a restart', async () => {
    let ledger = await ledgers.open({ keepFinished: 5 });
    const jobs = await history(ledger);
    // 5 finished, 3 unfinished, and the 7 failed-retryable ones waiting in place for the next start.
    expect(ledger.stats).toMatchObject({ jobs: 60, inMemory: 5 + 3 + 7 });
    expect(ledger.get('j1')).toBeUndefined();
    expect(ledger.get('j59')?.state).toBe('queued');

    // The answers from the compact indexes equal those of a ledger holding every record.
    const full = await ledgers.open({ readOnly: true });
    expect(full.stats.inMemory).toBe(60);
    const expected = answers(full, jobs);
    expect(answers(ledger, jobs)).toEqual(expected);
    ledger = await ledgers.reopen(ledger, { keepFinished: 5 });
    expect(ledger.stats.inMemory).toBeLessThanOrEqual(5 + 3 + 7);
    expect(answers(ledger, jobs)).toEqual(expected);

    // And they are the right answers.
    expect(ledger.findUploaded('sha1', 'receipt')).toEqual({
      id: 'j1',
      imageId: 'IMG1',
      name: '1.jpg',
    });
    expect(ledger.findUploaded('sha1', 'entry:E1')).toBeUndefined();
    expect(ledger.findUploaded('sha9', 'receipt')).toBeUndefined(); // failed, not uploaded
    expect(ledger.imaged('entry:E7')).toBe(true);
    expect(ledger.imaged('entry:E8')).toBe(false);
    // A kept file is remembered with its size and time, so unchanged it is not sent again…
    expect(ledger.lastAtPath('/scans', 'r/5.jpg')).toMatchObject({
      id: 'j5',
      state: 'uploaded',
      disposition: 'kept',
      size: 1005,
      mtimeMs: 5005,
    });
    // …a failed-retryable one as retryable, in place…
    expect(ledger.lastAtPath('/scans', 'r/9.jpg')).toMatchObject({
      id: 'j9',
      state: 'failed',
      disposition: 'kept',
      retryable: true,
    });
    // …and a moved one not at all: a file at its old path is a new one.
    expect(ledger.lastAtPath('/scans', 'r/1.jpg')).toBeUndefined();
    expect(ledger.counts()).toEqual({
      waiting: 0,
      queued: 3,
      uploading: 0,
      uploaded: 50,
      duplicate: 0,
      failed: 7,
      paused: 0,
    });
    // The current engine's reading of an evicted kept job, rebuilt from the index.
    expect(ledger.findByPath('/scans', 'r/5.jpg')).toMatchObject({
      id: 'j5',
      detail: 'kept in place',
      size: 1005,
    });
    expect(ledger.findByPath('/scans', 'r/9.jpg')).toMatchObject({
      id: 'j9',
      error: { retryable: true },
    });
  });

  it('keeps the counts true when a job that left memory is put again', async () => {
    const ledger = await ledgers.open({ keepFinished: 1 });
    const kept = job('k', {
      state: 'failed',
      error: { reason: 'Concur could not take the file after 8 attempts: x', retryable: true },
    });
    await ledger.put(kept);
    await ledger.put(job('other', { state: 'uploaded', finalPath: '/scans/Uploaded/o.pdf' }));
    // Waiting in place for another try, it is not settled: it stays in memory.
    expect(ledger.get('k')).toBeDefined();
    // Retry of the kept file: found by its path, started again.
    await ledger.put({ ...kept, state: 'queued', error: undefined });
    expect(ledger.counts()).toMatchObject({ failed: 0, queued: 1, uploaded: 1 });
    expect(ledger.lastAtPath('/scans', 'k.pdf')).toMatchObject({ id: 'k', state: 'queued' });
  });

  it('lists the newest jobs in memory first, filtered, and counts today’s uploads', async () => {
    let now = 1_800_000_000_000;
    const ledger = await ledgers.open({ keepFinished: 3, now: () => now });
    for (let i = 0; i < 6; i++) {
      await ledger.put(
        job(`u${i}`, { state: 'uploaded', finishedAt: now - 1000 * (6 - i), finalPath: `/x/${i}` }),
      );
    }
    await ledger.put(
      job('f', {
        state: 'failed',
        error: { reason: 'The file is empty.', retryable: false },
        finalPath: '/x/f',
      }),
    );
    expect(ledger.recent().map((r) => r.id)).toEqual(['f', 'u5', 'u4']);
    expect(ledger.recent(10, (r) => r.state === 'uploaded').map((r) => r.id)).toEqual(['u5', 'u4']);
    expect(ledger.uploadedSince(now - 3500)).toBe(3);
    expect(ledger.uploadedSince(0)).toBe(6);
    now += 3 * 86_400_000;
    await ledger.put(job('late', { state: 'uploaded', finishedAt: now, finalPath: '/x/late' }));
    expect(ledger.uploadedSince(now - 86_400_000)).toBe(1);
  });
});
