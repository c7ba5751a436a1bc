import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../main/engine/log/logger.js';
import { engineEventJson, jobLine, readableReporter, summaryLine } from '../../main/cli/output.js';
import type { Job, Summary } from '../../main/engine/types.js';
import { translator } from '../../main/engine/i18n/translate.js';

const job = (over: Partial<Job>): Job => ({
  id: 'j1',
  root: '/scans',
  relPath: 'report/Berlin trip [A2C40CEE415B43B2A0BE]/taxi.pdf',
  name: 'taxi.pdf',
  target: { kind: 'report', id: 'A2C40CEE415B43B2A0BE', label: 'Berlin trip' },
  state: 'waiting',
  attempts: 0,
  createdAt: 0,
  updatedAt: new Date(2026, 0, 1, 12, 1, 3).getTime(),
  ...over,
});

describe('readable watch output', () => {
  it('names the file, the target and the image id in one line', () => {
    expect(jobLine(job({ state: 'uploaded', imageId: '8F3A' }))).toBe(
      '12:01:03  uploaded   report/Berlin trip [A2C40CEE415B43B2A0BE]/taxi.pdf → report Berlin trip (image 8F3A)',
    );
    expect(
      jobLine(job({ state: 'failed', error: { reason: 'The file is empty.', retryable: false } })),
    ).toMatch(/failed +report\/.*: The file is empty\.$/);
  });

  it('prints a job once per state, not per progress tick or detail change', () => {
    const lines: string[] = [];
    const out = readableReporter((l) => lines.push(l));
    out.job(job({ state: 'waiting', detail: 'checking the file' }));
    out.job(job({ state: 'waiting', detail: 'collecting files' }));
    out.job(job({ state: 'waiting', detail: 'waiting for the scanner' }));
    out.job(job({ state: 'queued' }));
    out.job(job({ state: 'uploading', progress: 0.1 }));
    out.job(job({ state: 'uploading', progress: 0.9 }));
    out.job(job({ state: 'uploaded', imageId: 'X' }));
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual([
      'waiting',
      'waiting',
      'queued',
      'uploading',
      'uploaded',
    ]);
    expect(lines[1]).toContain('(waiting for the scanner)');
  });

  it('forgets a job once it has ended and its file was dealt with, and prints its next life', () => {
    const lines: string[] = [];
    const out = readableReporter((l) => lines.push(l));
    for (let i = 0; i < 1000; i++) {
      const id = `job-${i}`;
      out.job(job({ id, state: 'uploading' }));
      out.job(job({ id, state: 'uploaded', imageId: 'X' }));
      out.job(job({ id, state: 'uploaded', imageId: 'X', disposition: 'moved' }));
    }
    expect(lines).toHaveLength(2000); // the moved record is no new line
    expect(out.following).toBe(0);
    // A failed one kept in place, then retried: its new life is printed from the start.
    out.job(
      job({
        id: 'f',
        state: 'failed',
        disposition: 'kept',
        error: { reason: 'x', retryable: true },
      }),
    );
    out.job(job({ id: 'f', state: 'waiting', detail: 'checking the file' }));
    expect(lines.slice(-2).map((l) => l.split(/\s+/)[1])).toEqual(['failed', 'waiting']);
    expect(out.following).toBe(1);
  });

  it('sums up only what is not zero, and says when sign-in is needed', () => {
    const summary: Summary = {
      waiting: 0,
      queued: 0,
      uploading: 0,
      uploaded: 3,
      duplicate: 1,
      failed: 0,
      paused: 2,
      uploadedToday: 3,
      pausedBy: 'sign-in',
      unavailableRoots: [],
      roots: ['/scans'],
    };
    expect(summaryLine(summary)).toBe(
      '2 paused · 3 uploaded · 1 duplicate — uploads paused: sign-in needed',
    );
  });
});

describe('the engine’s notes in the user’s language', () => {
  it('says in German that a file is being prepared, or changed and is checked again', () => {
    const de = translator('de');
    const line = (detail: string) => jobLine(job({ state: 'waiting', detail }), de);
    expect(line('preparing the file for Concur')).toContain(
      '(die Datei wird für Concur vorbereitet)',
    );
    expect(line('the file changed during its upload: checking it again')).toContain(
      '(die Datei hat sich während des Hochladens geändert: sie wird erneut geprüft)',
    );
    expect(line('the file changed before its upload: checking it again')).not.toContain(
      'checking it again',
    );
  });
});

describe('--json output', () => {
  it('wraps each engine event in one object and never carries a registered token', () => {
    registerSecret('tok-abcdef-123456');
    const line = engineEventJson('paused', ['sign-in', 'Concur refused tok-abcdef-123456']);
    expect(JSON.parse(line)).toEqual({
      event: 'paused',
      reason: 'sign-in',
      message: 'Concur refused «redacted»',
    });
    expect(JSON.parse(engineEventJson('job', [job({})]))).toMatchObject({
      event: 'job',
      job: { id: 'j1', state: 'waiting' },
    });
  });
});
