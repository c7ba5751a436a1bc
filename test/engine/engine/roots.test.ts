import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSettings } from '../../../main/engine/settings/schema.js';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { sleep, waitFor } from '../../helpers/temp-dir.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('engine: watched folders coming and going', () => {
  it('reports a folder that disappears, and catches up on it when it comes back', async () => {
    h = await startEngineHarness({ engine: { rootRecheckMs: 200 } });
    const events: string[] = [];
    h.engine.on('root-unavailable', (root) => events.push(`unavailable ${root}`));
    h.engine.on('root-available', (root) => events.push(`available ${root}`));
    await h.put('before.jpg', jpeg(2000, 1));
    expect((await h.waitForJob('before.jpg')).state).toBe('uploaded');
    await h.engine.whenIdle();

    // The share is unplugged: here, the folder is moved away with its content.
    const away = `${h.root}-away`;
    await rename(h.root, away);
    await waitFor(() => events.includes(`unavailable ${h!.root}`));
    expect(h.engine.summary().unavailableRoots).toEqual([h.root]);
    expect(
      h.notices.some((n) => n.level === 'warn' && n.message.includes('cannot be reached')),
    ).toBe(true);

    // While away, a scan landed in it; then it comes back.
    await mkdir(join(away, 'sub'), { recursive: true });
    await h.put('../Scans-away/sub/while away.jpg', jpeg(2100, 2));
    await rename(away, h.root);
    await waitFor(() => events.includes(`available ${h!.root}`));
    expect((await h.waitForJob('sub/while away.jpg')).state).toBe('uploaded');
    expect(h.engine.summary().unavailableRoots).toEqual([]);
    expect(h.sandbox.received()).toHaveLength(2);
  });

  it('keeps watching a folder that is deleted and made again between two checks', async () => {
    h = await startEngineHarness({ engine: { rootRecheckMs: 200 } });
    await h.put('before.jpg', jpeg(2000, 4));
    expect((await h.waitForJob('before.jpg')).state).toBe('uploaded');
    await h.engine.whenIdle();
    // Someone deletes the scan folder and makes it again at once (or a sync tool replaces it).
    await rm(h.root, { recursive: true });
    await mkdir(h.root);
    await sleep(600);
    await h.put('after.jpg', jpeg(2100, 5));
    expect((await h.waitForJob('after.jpg', undefined, 5000)).state).toBe('uploaded');
  });

  it('starts without a folder that does not exist yet and picks it up once created', async () => {
    h = await startEngineHarness({ engine: { rootRecheckMs: 200 }, noStart: true });
    const later = join(h.root, '..', 'Later');
    await h.restart({ folders: [{ path: h.root }, { path: later }] });
    expect(h.engine.summary().unavailableRoots).toEqual([later]);
    await mkdir(later);
    await waitFor(() => h!.engine.summary().unavailableRoots.length === 0);
    await h.put('../Later/new.jpg', jpeg(2000, 3));
    expect((await h.waitForJob('new.jpg')).root).toBe(later);
    expect((await h.waitForJob('new.jpg')).state).toBe('uploaded');
  });

  it('watches a folder added in the settings and stops watching a removed one, keeping the queue', async () => {
    h = await startEngineHarness();
    const second = join(h.root, '..', 'Second');
    await mkdir(second);
    const base = {
      concur: { baseUrl: h.sandbox.url },
      settleMs: 200,
      batchWindowMs: 500,
      maxWaitMs: 3000,
    };
    await h.engine.updateSettings(
      parseSettings({ ...base, folders: [{ path: h.root }, { path: second }] }),
    );
    expect(h.engine.summary().roots).toEqual([h.root, second]);
    await h.put('../Second/s.jpg', jpeg(2000, 4));
    expect((await h.waitForJob('s.jpg')).state).toBe('uploaded');

    await h.engine.updateSettings(parseSettings({ ...base, folders: [{ path: second }] }));
    expect(h.engine.summary().roots).toEqual([second]);
    await h.put('ignored now.jpg', jpeg(2000, 5));
    await h.put('../Second/t.jpg', jpeg(2000, 6));
    expect((await h.waitForJob('t.jpg')).state).toBe('uploaded');
    await h.engine.whenIdle();
    expect(h.jobAt('ignored now.jpg')).toBeUndefined();
  });
});
