import { execFileSync } from 'node:child_process';
import { appendFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../main/engine/ports.js';
import { Readiness, type ReadinessVerdict } from '../../../main/engine/watch/readiness.js';
import { MemoryFileSystem } from '../../../sim/world/memory-fs.js';
import { jpeg, pdf } from '../../fixtures/scans.js';
import { makeTempDir, sleep, waitFor } from '../../helpers/temp-dir.js';

let dir: string;
let cleanup: () => Promise<void>;
let readiness: Readiness;
let verdicts: { key: string; verdict: ReadinessVerdict; at: number }[];

beforeEach(async () => {
  ({ path: dir, cleanup } = await makeTempDir('concur-drop-ready-'));
  verdicts = [];
  readiness = new Readiness({
    settleMs: 200,
    maxWaitMs: 1500,
    clock: systemClock,
    onVerdict: (key, verdict) => verdicts.push({ key, verdict, at: Date.now() }),
  });
});
afterEach(async () => {
  readiness.stop();
  await cleanup();
});

const final = (key: string) =>
  verdicts.find((v) => v.key === key && v.verdict.kind !== 'incomplete');

describe('readiness', () => {
  it('releases a complete file settleMs after it last changed, not on a coarse poll', async () => {
    const path = join(dir, 'a.pdf');
    await writeFile(path, await pdf());
    const start = Date.now();
    readiness.track('a', path);
    const v = await waitFor(() => final('a'));
    expect(v.verdict.kind).toBe('ready');
    const took = v.at - start;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1000);
  });

  it('keeps an incomplete file waiting ("waiting for the scanner") until it is complete', async () => {
    const path = join(dir, 'b.jpg');
    const full = jpeg(8000, 1);
    await writeFile(path, full.subarray(0, 4000));
    readiness.track('b', path);
    await waitFor(() => verdicts.some((v) => v.key === 'b' && v.verdict.kind === 'incomplete'));
    await sleep(300);
    expect(final('b')).toBeUndefined();
    await appendFile(path, full.subarray(4000));
    readiness.track('b', path); // the watcher's change event
    const v = await waitFor(() => final('b'));
    expect(v.verdict).toMatchObject({ kind: 'ready', size: full.length });
  });

  it('gives up on an incomplete file maxWaitMs after its last change', async () => {
    const path = join(dir, 'c.jpg');
    await writeFile(path, jpeg(8000, 2).subarray(0, 5000));
    readiness.track('c', path);
    const v = await waitFor(() => final('c'), { timeoutMs: 5000 });
    expect(v.verdict.kind).toBe('timed-out');
  });

  it('says a file is gone when it is deleted while waiting, and that a folder is not a file', async () => {
    const path = join(dir, 'd.pdf');
    await writeFile(path, 'x');
    readiness.track('d', path);
    await rm(path);
    readiness.track('d', path);
    expect((await waitFor(() => final('d'))).verdict.kind).toBe('gone');
    readiness.track('e', dir);
    expect((await waitFor(() => final('e'))).verdict).toMatchObject({
      kind: 'not-a-file',
      reason: 'a folder, not a file',
    });
    expect(readiness.size).toBe(0);
  });

  it('lets an empty or unknown file go once stable, so inspection can name the problem', async () => {
    const path = join(dir, 'empty.pdf');
    await writeFile(path, '');
    readiness.track('f', path);
    expect((await waitFor(() => final('f'))).verdict).toMatchObject({ kind: 'ready', size: 0 });
  });
});

describe('readiness with no settle time (a backlog at start, settleMs 0)', () => {
  let quick: Readiness;
  beforeEach(() => {
    quick = new Readiness({
      settleMs: 0,
      maxWaitMs: 1500,
      clock: systemClock,
      onVerdict: (key, verdict) => verdicts.push({ key, verdict, at: Date.now() }),
    });
  });
  afterEach(() => quick.stop());

  it('releases a complete file at its first look, with the version it looked at', async () => {
    const path = join(dir, 'now.jpg');
    const bytes = jpeg(6000, 3);
    await writeFile(path, bytes);
    quick.track('now', path);
    const v = await waitFor(() => final('now'));
    expect(v.verdict).toMatchObject({ kind: 'ready', size: bytes.length });
    expect(verdicts.filter((x) => x.key === 'now')).toHaveLength(1);
  });

  it('keeps a file the scanner is still writing waiting, then releases it complete', async () => {
    const path = join(dir, 'half.jpg');
    const full = jpeg(8000, 4);
    await writeFile(path, full.subarray(0, 3000));
    quick.track('half', path);
    await waitFor(() => verdicts.some((v) => v.key === 'half' && v.verdict.kind === 'incomplete'));
    expect(final('half')).toBeUndefined();
    await appendFile(path, full.subarray(3000));
    quick.track('half', path);
    expect((await waitFor(() => final('half'))).verdict).toMatchObject({
      kind: 'ready',
      size: full.length,
    });
  });

  it('says gone, a link or a pipe at the first look, without opening what a link points to', async () => {
    quick.track('missing', join(dir, 'missing.pdf'));
    expect((await waitFor(() => final('missing'))).verdict.kind).toBe('gone');

    const outside = join(dir, 'outside.pdf');
    await writeFile(outside, await pdf());
    const link = join(dir, 'link.pdf');
    await symlink(outside, link);
    quick.track('link', link);
    expect((await waitFor(() => final('link'))).verdict).toMatchObject({
      kind: 'not-a-file',
      link: true,
    });

    if (process.platform !== 'win32') {
      const fifo = join(dir, 'pipe.pdf');
      execFileSync('mkfifo', [fifo]);
      quick.track('pipe', fifo);
      // A pipe with no writer must not hold the look: open(2) does not wait on it.
      expect((await waitFor(() => final('pipe'))).verdict).toMatchObject({
        kind: 'not-a-file',
        entry: 'pipe',
      });
    }
  });

  it('fails a file it keeps failing to look at for another reason, naming the code, instead of waiting for ever', async () => {
    // A path Windows refuses (past 260 characters): every look fails ENAMETOOLONG. The
    // simulator's file system plays Windows here; this machine's would take the name.
    const office = new MemoryFileSystem({ clock: systemClock, windows: true });
    const long = `/share/scans/${'x'.repeat(260)}.pdf`;
    office.put(long, await pdf());
    const failures: unknown[] = [];
    const looking = new Readiness({
      settleMs: 0,
      maxWaitMs: 60_000,
      clock: systemClock,
      fs: office.view(),
      onVerdict: (key, verdict) => verdicts.push({ key, verdict, at: Date.now() }),
      onError: (_key, error) => failures.push(error),
    });
    try {
      looking.track('long', long);
      const v = await waitFor(() => final('long'));
      expect(v.verdict).toMatchObject({
        kind: 'unreadable',
        code: 'ENAMETOOLONG',
        unexpected: true,
      });
      // Looked at again a few times first: a passing fault (a share's hiccup) does not fail it.
      expect(failures.length).toBeGreaterThanOrEqual(3);
    } finally {
      looking.stop();
    }
  });
});
