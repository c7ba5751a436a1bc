import type { Policy } from '../../../main/engine/settings/policy.js';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createApiHandlers,
  type ApiHandlerOptions,
  type ApiHandlers,
} from '../../../main/engine/api/api-handlers.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import type { SecretStore, SettingsStore } from '../../../main/engine/ports.js';
import { accountFor, KeychainUnavailableError } from '../../../main/engine/secrets/secret-store.js';
import { fileSettingsStore } from '../../../main/engine/settings/config-file.js';
import type { SettingsInput } from '../../../main/engine/settings/schema.js';
import type { Job } from '../../../main/engine/types.js';
import { startSandbox, type Sandbox } from '../../../main/sandbox/sandbox.js';

/**
 * A real engine over a temp watched folder, uploading to the real sandbox on
 * 127.0.0.1, with the API handlers on top: what the Electron IPC and the
 * browser UI server both stand on. Shared by test/engine/api, test/ui-server
 * and test/renderer.
 */

export const GOOD_TOKEN = 'sandbox-good-token-1234';

/** The secret-store port kept in memory (the keychain itself is tested in test/engine/secrets). */
export function memorySecretStore(): SecretStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: async (account) => entries.get(account) ?? null,
    set: async (account, secret) => void entries.set(account, secret),
    delete: async (account) => entries.delete(account),
    availability: async () => ({ available: true }),
  };
}

/** A machine with no OS keychain (Linux without a Secret Service): every call refuses. */
export function noKeychainStore(): SecretStore {
  const refuse = () => Promise.reject(new KeychainUnavailableError());
  return {
    get: refuse,
    set: refuse,
    delete: refuse,
    availability: async () => ({
      available: false,
      message: new KeychainUnavailableError().message,
    }),
  };
}

export interface Harness {
  dir: string;
  root: string;
  configPath: string;
  sandbox: Sandbox;
  engine: Engine;
  settingsStore: SettingsStore;
  secrets: ReturnType<typeof memorySecretStore>;
  handlers: ApiHandlers;
  /** Handlers over the same engine and stores, with some options replaced (mode, secrets, picker…). */
  handlersWith(overrides: Partial<ApiHandlerOptions>): ApiHandlers;
  revealed: string[];
  opened: string[];
  /** Writes a file into the watched root (creating subfolders). */
  drop(relPath: string, bytes: Buffer | string): Promise<string>;
  /** Polls the engine until a job for `name` satisfies `done`. */
  waitForJob(name: string, done: (job: Job) => boolean, timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  settings?: Partial<SettingsInput>;
  /** null: no token stored. Default GOOD_TOKEN. */
  token?: string | null;
  /** Extra watched roots (subfolders of the temp dir) besides "Scans". */
  moreRoots?: string[];
  /** Runs before the engine starts, e.g. to write history into the ledger. */
  beforeStart?: (paths: { dataDir: string; root: string }) => Promise<void>;
  /** Finished jobs the engine keeps listed (default the engine's). */
  historyKept?: number;
  /** The organisation's policy, made for the harness's sandbox URL and watched root. */
  policy?: (sandboxUrl: string, root: string) => Policy;
}

/** Starts sandbox + engine + handlers on a fresh temp folder. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'concur-drop-api-'));
  const root = join(dir, 'Scans');
  await mkdir(root, { recursive: true });
  for (const extra of options.moreRoots ?? []) await mkdir(join(dir, extra), { recursive: true });
  const sandbox = await startSandbox({ port: 0, token: GOOD_TOKEN });
  const configPath = join(dir, 'concur-drop.json');
  const settings: SettingsInput = {
    concur: { baseUrl: sandbox.url, authScheme: 'OAuth' },
    folders: [{ path: root }, ...(options.moreRoots ?? []).map((p) => ({ path: join(dir, p) }))],
    settleMs: 150,
    batchWindowMs: 300,
    concurrency: 2,
    ...options.settings,
  };
  await writeFile(configPath, JSON.stringify(settings, null, 2));
  const settingsStore = fileSettingsStore(configPath, options.policy?.(sandbox.url, root) ?? null);
  const secrets = memorySecretStore();
  const token = options.token === undefined ? GOOD_TOKEN : options.token;
  if (token) await secrets.set(accountFor(sandbox.url), token);

  const dataDir = join(dir, 'data');
  await options.beforeStart?.({ dataDir, root });
  const engine = createEngine({
    settings: settingsStore.get(),
    dataDir,
    getToken: () => secrets.get(accountFor(settingsStore.get().concur.baseUrl)),
    retry: { baseMs: 50, maxMs: 200, tries: 2 },
    timeouts: { connectMs: 3000, responseMs: 10_000 },
    configDir: dir,
    historyKept: options.historyKept,
  });
  await engine.start();

  const revealed: string[] = [];
  const opened: string[] = [];
  // The OS file manager is the one edge replaced: these record what would be opened.
  const handlersWith = (overrides: Partial<ApiHandlerOptions>) =>
    createApiHandlers({
      engine,
      settingsStore,
      secrets,
      mode: 'browser',
      reveal: async (path) => (revealed.push(path), true),
      openPath: async (path) => (opened.push(path), true),
      pickFolder: async () => null,
      version: '0.0.0-test',
      checkTimeouts: { connectMs: 2000, responseMs: 5000 },
      ...overrides,
    });
  const handlers = handlersWith({});

  return {
    dir,
    root,
    configPath,
    sandbox,
    engine,
    settingsStore,
    secrets,
    handlers,
    handlersWith,
    revealed,
    opened,
    async drop(relPath, bytes) {
      const path = join(root, relPath);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, bytes);
      return path;
    },
    async waitForJob(name, done, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const job = engine.jobs('all', 100_000).find((j) => j.name === name);
        if (job && done(job)) return job;
        if (Date.now() > until)
          throw new Error(`timed out waiting for ${name}: ${JSON.stringify(job ?? 'no job')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await engine.stop().catch(() => undefined);
      await sandbox.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (for "cannot reach"). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
