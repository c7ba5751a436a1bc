import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('engine: links and names that can never go as they are', () => {
  it('fails a link to a file outside the folder with a plain reason and never uploads the outside file', async () => {
    const outside = await makeTempDir('concur-drop-outside-');
    try {
      const secret = join(outside.path, 'private.jpg');
      await writeFile(secret, jpeg(2000, 7));
      h = await startEngineHarness();
      await symlink(secret, join(h.root, 'shortcut.jpg'));
      const job = await h.waitForJob('shortcut.jpg');
      expect(job).toMatchObject({ state: 'failed', error: { code: 'symlink' } });
      expect(job.error?.reason).toMatch(/link/);
      await h.engine.whenIdle();
      expect(h.sandbox.requests()).toBe(0);
    } finally {
      await outside.cleanup();
    }
  });

  it('fails a file whose name is not valid text, visibly, instead of skipping it in silence', async () => {
    h = await startEngineHarness();
    const name = Buffer.concat([
      Buffer.from(h.root + '/'),
      Buffer.from([0x66, 0xff, 0x2e, 0x6a, 0x70, 0x67]),
    ]);
    await writeFile(name, jpeg(2000, 8));
    await h.put('fine.jpg', jpeg(2000, 9));
    expect((await h.waitForJob('fine.jpg')).state).toBe('uploaded');
    const bad = await waitForCode(h, 'bad-name');
    expect(bad.state).toBe('failed');
    expect(bad.error?.reason).toMatch(/name/);
  });
});

async function waitForCode(h: EngineHarness, code: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const job = h.engine.jobs('all').find((j) => j.error?.code === code);
    if (job) return job;
    if (Date.now() > deadline)
      throw new Error(`no job failed with ${code}: ${JSON.stringify(h.engine.jobs())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
