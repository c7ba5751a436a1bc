import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { page, receipt, stackPdf } from '../../fixtures/scan-formats.js';
import { translator } from '../../../main/engine/i18n/translate.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

/**
 * A stack of receipts fed through the document feeder as one PDF, through the
 * real engine to the sandbox: split at blank sheets into one receipt each,
 * tracked as one file that moves to Uploaded/ once every part is in Concur,
 * and failing (and retrying) as one with a reason naming the part.
 */

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const blank = () => page({ paper: 246, noise: 6 });

async function stack(): Promise<Buffer> {
  return stackPdf([
    await receipt(1),
    await blank(),
    await receipt(2),
    await blank(),
    await receipt(3),
  ]);
}

describe('engine: stacks', () => {
  it('sends a stack split at blank sheets as one receipt each, then moves the file once', async () => {
    h = await startEngineHarness({ noStart: true });
    await h.restart({ folders: [{ path: h.root, split: 'separator' }] });
    await h.put('stack.pdf', await stack());
    const job = await h.waitForJob('stack.pdf', undefined, 30_000);
    expect(job.state, job.error?.reason).toBe('uploaded');
    expect(job.note).toBe('split into 3 receipts');
    expect([job.parts, job.partsSent]).toEqual([3, 3]);
    await h.engine.whenIdle();
    const got = h.sandbox.received();
    expect(got.map((r) => [r.kind, r.pdfPages])).toEqual([
      ['receipt', 1],
      ['receipt', 1],
      ['receipt', 1],
    ]);
    expect(existsSync(join(h.root, 'Uploaded', 'stack.pdf'))).toBe(true);
  });

  it('fails as one with the part named, and Retry sends only the parts Concur lacks', async () => {
    h = await startEngineHarness({ noStart: true });
    await h.restart({
      folders: [{ path: h.root, split: 'separator' }],
    });
    // The first part goes through; Concur refuses the second.
    h.sandbox.inject({ delayMs: 1 }, { status: 400, body: 'The image is unreadable.' });
    await h.put('stack.pdf', await stack());
    const failed = await h.waitForJob('stack.pdf', undefined, 30_000);
    expect(failed.state).toBe('failed');
    expect(failed.error?.reason).toMatch(/^Part 2 of 3 \(page 3\): Concur refused/);
    // The part is named in the window's language too.
    expect(translator('de').say(failed.error!.text!)).toMatch(/^Teil 2 von 3 \(Seite 3\): /);
    expect(failed.partsSent).toBe(1);
    await h.engine.whenIdle();
    expect(existsSync(join(h.root, 'Failed', 'stack.pdf'))).toBe(true);
    expect(h.sandbox.received()).toHaveLength(1);
    // The parts still to go were staged in the data dir: they went with the failure.
    await waitFor(async () => (await readdir(join(h!.dataDir, 'staging'))).length === 0);

    expect(await h.engine.retry(failed.id)).toBe(true);
    const done = await h.waitForJob(
      'stack.pdf',
      (j) => j.state === 'uploaded' || (j.state === 'failed' && j.updatedAt > failed.updatedAt),
      30_000,
    );
    expect(done.state, done.error?.reason).toBe('uploaded');
    await h.engine.whenIdle();
    // Part 1 was not sent twice.
    expect(h.sandbox.received()).toHaveLength(3);
    expect(existsSync(join(h.root, 'Uploaded', 'stack.pdf'))).toBe(true);
  });
});
