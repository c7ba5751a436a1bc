import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '../../main/engine/engine.js';
import { parseSettings, type SettingsInput } from '../../main/engine/settings/schema.js';
import type { Job } from '../../main/engine/types.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { makeTempDir, waitFor } from './temp-dir.js';

/**
 * A real engine against the real sandbox on 127.0.0.1, over a real temp root
 * and a real ledger on disk, with the fast timings tests need. Everything it
 * made is removed by `close()`.
 */

export interface EngineHarness {
  /** The watched folder. */
  root: string;
  dataDir: string;
  sandbox: Sandbox;
  engine: Engine;
  /** Every notice the engine emitted, in order. */
  notices: { level: string; message: string; path?: string }[];
  /** Every `job` event, in order. */
  jobEvents: Job[];
  /** Token the engine's getToken returns now (change it, then call tokenChanged()). */
  token: { value: string | null };
  /** Writes a file under the root (folders made as needed). */
  put(relPath: string, bytes: Buffer | string): Promise<string>;
  /** The newest job for a relative path (by its original relPath). */
  jobAt(relPath: string): Job | undefined;
  /** Waits until the job for relPath satisfies `pred` (default: reached a final state). */
  waitForJob(relPath: string, pred?: (job: Job) => boolean, timeoutMs?: number): Promise<Job>;
  /** Stops the engine and starts a fresh one on the same data dir and root. */
  restart(settings?: Partial<SettingsInput>): Promise<Engine>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  settings?: Partial<SettingsInput>;
  engine?: Partial<Omit<EngineOptions, 'settings' | 'dataDir'>>;
  /** Files written before the engine starts. */
  before?: Record<string, Buffer | string>;
  /** Don't start the engine (the test calls harness.engine.start()). */
  noStart?: boolean;
}

export const FAST = { settleMs: 200, batchWindowMs: 500, maxWaitMs: 3000 } as const;

export async function startEngineHarness(options: HarnessOptions = {}): Promise<EngineHarness> {
  const tmp = await makeTempDir('concur-drop-engine-');
  const root = join(tmp.path, 'Scans');
  const dataDir = join(tmp.path, 'data');
  await mkdir(root, { recursive: true });
  const sandbox = await startSandbox({ port: 0 });
  const token = { value: sandbox.token as string | null };
  const notices: EngineHarness['notices'] = [];
  const jobEvents: Job[] = [];

  const put = async (relPath: string, bytes: Buffer | string) => {
    const path = join(root, ...relPath.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    return path;
  };
  for (const [rel, bytes] of Object.entries(options.before ?? {})) await put(rel, bytes);

  const build = (overrides: Partial<SettingsInput> = {}) => {
    const settings = parseSettings({
      concur: { baseUrl: sandbox.url, authScheme: 'OAuth' },
      folders: [{ path: root }],
      ...FAST,
      ...options.settings,
      ...overrides,
    });
    const engine = createEngine({
      settings,
      dataDir,
      getToken: async () => token.value,
      retry: { baseMs: 20, maxMs: 200, tries: 8 },
      timeouts: { connectMs: 2000, responseMs: 5000 },
      ...options.engine,
    });
    engine.on('notice', (n) => notices.push(n));
    engine.on('job', (j) => jobEvents.push(j));
    return engine;
  };

  const harness: EngineHarness = {
    root,
    dataDir,
    sandbox,
    engine: build(),
    notices,
    jobEvents,
    token,
    put,
    jobAt(relPath) {
      return harness.engine.jobs('all', 100_000).find((j) => j.relPath === relPath);
    },
    async waitForJob(
      relPath,
      pred = (j) => ['uploaded', 'duplicate', 'failed'].includes(j.state),
      timeoutMs = 15_000,
    ) {
      return waitFor(
        () => {
          const job = harness.jobAt(relPath);
          return job && pred(job) ? job : undefined;
        },
        {
          timeoutMs,
          message: () =>
            `job for ${relPath} is ${JSON.stringify(harness.jobAt(relPath) ?? 'missing')}`,
        },
      );
    },
    async restart(settings) {
      await harness.engine.stop();
      harness.engine = build(settings);
      await harness.engine.start();
      return harness.engine;
    },
    async close() {
      await harness.engine.stop();
      await sandbox.close();
      await tmp.cleanup();
    },
  };
  if (!options.noStart) await harness.engine.start();
  return harness;
}
