import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GIF, TEXT_AS_PDF, encryptedPdf, jpeg, pdf, truncatedJpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function errorText(root: string, relPath: string): Promise<string> {
  return readFile(join(root, 'Failed', ...relPath.split('/')) + '.error.txt', 'utf8');
}

describe('engine: bad inputs', () => {
  it('moves each bad file to Failed/ with its reason while good files beside them upload', async () => {
    // Converting and shrinking off: the GIF and the 11 MB PDF are then refused as they are
    // (test/engine/engine/scan-formats.test.ts has them converted and shrunk).
    h = await startEngineHarness({ settings: { maxWaitMs: 1000, convert: false, shrink: false } });
    const bad: Record<string, [Buffer, RegExp]> = {
      'empty.pdf': [Buffer.alloc(0), /empty/],
      'notes.pdf': [TEXT_AS_PDF, /not a PDF, JPEG or PNG.*text/],
      'cut.jpg': [truncatedJpeg(), /incomplete/],
      'locked.pdf': [await encryptedPdf(), /password protected|encrypted/],
      'huge.pdf': [await pdf({ bytes: 11 * 1024 * 1024 }), /10 MB/],
      'anim.gif': [GIF, /GIF/],
    };
    for (const [name, [bytes]] of Object.entries(bad)) await h.put(name, bytes);
    await h.put('good.jpg', jpeg(3000, 5));
    await h.put('good.pdf', await pdf({ text: 'fine' }));

    for (const [name, [, reason]] of Object.entries(bad)) {
      const job = await h.waitForJob(name);
      expect(job.state, name).toBe('failed');
      expect(job.error?.reason, name).toMatch(reason);
      expect(job.error?.retryable).toBe(false);
    }
    expect((await h.waitForJob('good.jpg')).state).toBe('uploaded');
    expect((await h.waitForJob('good.pdf')).state).toBe('uploaded');
    await h.engine.whenIdle();
    for (const [name, [, reason]] of Object.entries(bad)) {
      expect(existsSync(join(h.root, name)), `${name} left the folder`).toBe(false);
      expect(existsSync(join(h.root, 'Failed', name)), `${name} is in Failed/`).toBe(true);
      const text = await errorText(h.root, name);
      expect(text).toMatch(reason);
      // Local date and time, with the year (the OS's words for it; here LANG is English or C).
      expect(text).toMatch(new RegExp(`^Time: .*${new Date().getFullYear()}`, 'm'));
      expect(text).not.toContain(h.sandbox.token);
    }
    // No request for any bad file: only the two good ones reached the sandbox.
    expect(h.sandbox.requests()).toBe(2);
  });

  it('skips a named pipe called scan.pdf and a folder called x.pdf with a notice, and a symlink loop hangs nothing', async () => {
    h = await startEngineHarness({ noStart: true });
    execFileSync('mkfifo', [join(h.root, 'early.pdf')]);
    symlinkSync(h.root, join(h.root, 'loop'));
    mkdirSync(join(h.root, 'sub'));
    symlinkSync(join(h.root, 'sub'), join(h.root, 'sub', 'again'));
    await h.engine.start();
    execFileSync('mkfifo', [join(h.root, 'scan.pdf')]);
    mkdirSync(join(h.root, 'x.pdf'));
    await h.put('after.jpg', jpeg(2000, 8));

    expect((await h.waitForJob('after.jpg')).state).toBe('uploaded');
    await waitFor(
      () =>
        h!.notices.some(
          (n) => n.message.includes('"scan.pdf"') && n.message.includes('named pipe'),
        ),
      {
        message: () => JSON.stringify(h!.notices),
      },
    );
    await waitFor(() =>
      h!.notices.some((n) => n.message.includes('"x.pdf"') && n.message.includes('folder')),
    );
    expect(h.notices.some((n) => n.message.includes('"early.pdf"'))).toBe(true);
    // Not scans: no job, no request, and the pipe is still where it was (never opened, never moved).
    expect(h.jobAt('scan.pdf')).toBeUndefined();
    expect(h.jobAt('x.pdf')).toBeUndefined();
    expect(existsSync(join(h.root, 'scan.pdf'))).toBe(true);
    await h.engine.whenIdle();
    expect(h.sandbox.requests()).toBe(1);
  });

  it('ends a job whose file was deleted before upload as failed with that reason, nothing sent', async () => {
    h = await startEngineHarness({ settings: { settleMs: 1500 } });
    await h.put('gone.jpg', jpeg(2000, 11));
    await h.waitForJob('gone.jpg', (j) => j.state === 'waiting');
    await rm(join(h.root, 'gone.jpg'));
    const job = await h.waitForJob('gone.jpg');
    expect(job.state).toBe('failed');
    expect(job.error?.reason).toBe('The file was deleted before it could be uploaded.');
    expect(existsSync(join(h.root, 'Failed'))).toBe(false);
    expect(h.sandbox.requests()).toBe(0);
  });
});
