import { afterEach, describe, expect, it } from 'vitest';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('engine: files no watcher event reported', () => {
  it('the periodic reconciliation picks up a file whose events never came', async () => {
    h = await startEngineHarness({
      engine: { rescanMs: 300, missEventsForTests: (_root, rel) => rel === 'lost.jpg' },
    });
    await h.put('seen.jpg', jpeg(2000, 1));
    await h.put('lost.jpg', jpeg(2100, 2));
    expect((await h.waitForJob('seen.jpg')).state).toBe('uploaded');
    expect((await h.waitForJob('lost.jpg')).state).toBe('uploaded');
    await h.engine.whenIdle();
    expect(h.sandbox.received()).toHaveLength(2);
    expect(h.engine.jobs().filter((j) => j.relPath === 'lost.jpg')).toHaveLength(1);
  });

  it('lists a new folder again shortly after it appears, even with no periodic reconciliation', async () => {
    const lost = 'report/Trip [R404]/receipt.jpg';
    h = await startEngineHarness({
      engine: { rescanMs: 0, missEventsForTests: (_root, rel) => rel === lost },
    });
    await h.put(lost, jpeg(2000, 3)); // mkdir -p, then the file at once; its event is lost
    const job = await h.waitForJob(lost);
    expect(job.state).toBe('uploaded');
    expect(job.target).toMatchObject({ kind: 'report', id: 'R404' });
    expect(h.sandbox.received()).toHaveLength(1);
  });

  it('leaves files it already handled alone: no second job, no events, no notices (afterUpload keep)', async () => {
    h = await startEngineHarness({
      settings: { afterUpload: 'keep' },
      engine: { rescanMs: 100 },
    });
    await h.put('kept.jpg', jpeg(2000, 4));
    await h.put('entry/E1/one.jpg', jpeg(2100, 5));
    await h.put('report/R1/two.jpg', jpeg(2200, 6));
    for (const p of ['kept.jpg', 'entry/E1/one.jpg', 'report/R1/two.jpg'])
      expect((await h.waitForJob(p)).state).toBe('uploaded');
    await h.engine.whenIdle();
    const events = h.jobEvents.length;
    const notices = h.notices.length;
    await sleep(1200); // about ten reconciliations (and the new folders' own re-listing)
    await h.engine.whenIdle();
    expect(h.jobEvents.slice(events)).toEqual([]);
    expect(h.notices.slice(notices)).toEqual([]);
    expect(h.engine.jobs()).toHaveLength(3);
    expect(h.sandbox.received()).toHaveLength(3);
  });
});
