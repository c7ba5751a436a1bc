import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

let h: EngineHarness | undefined;
let mounted: string | undefined;
afterEach(async () => {
  await h?.close().catch(() => undefined);
  h = undefined;
  if (mounted) execFileSync('umount', ['-l', mounted]);
  mounted = undefined;
});

describe('engine: a full disk under the data folder', () => {
  it('holds uploads with a plain reason, settles at once, and goes on once space is freed, sending each scan once', async (context) => {
    h = await startEngineHarness({ noStart: true, settings: { settleMs: 0 } });
    await mkdir(h.dataDir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', h.dataDir], {
        stdio: 'pipe',
      });
      mounted = h.dataDir;
    } catch (error) {
      const why = `cannot mount a small tmpfs here (needs root): ${String(error).split('\n')[0]}`;
      console.warn(`skipped: ${why}`);
      context.skip(why);
    }
    const paused: string[] = [];
    h.engine.on('paused', (reason, message) => paused.push(`${reason}: ${message}`));
    await h.engine.start();
    // The disk fills up (another program's files): a few KB are left for the ledger.
    const filler = join(h.dataDir, 'filler');
    await writeFile(filler, Buffer.alloc(240 * 1024)).catch(() => undefined);
    for (let i = 0; i < 30; i++) await h.put(`r${i}.jpg`, jpeg(1500, 200 + i));

    await waitFor(() => h!.engine.summary().pausedBy === 'disk-full', { timeoutMs: 15_000 });
    const idle = Date.now();
    await h.engine.whenIdle();
    expect(Date.now() - idle).toBeLessThan(2000);
    // Said at least once (space left by a freed write can lift and renew the hold), always plainly.
    expect(paused.length).toBeGreaterThan(0);
    for (const line of paused) expect(line).toMatch(/^disk-full: .*disk is full/);

    await rm(filler);
    await waitFor(() => h!.engine.jobs('all').filter((j) => j.state === 'uploaded').length === 30, {
      timeoutMs: 30_000,
      message: () => JSON.stringify(h!.engine.summary()),
    });
    expect(h.engine.summary().pausedBy).toBeNull();
    const sent = h.sandbox.received().map((r) => r.sha256);
    expect(new Set(sent).size).toBe(30);
    expect(sent.length).toBe(30);
  }, 60_000);
});
