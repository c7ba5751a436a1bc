import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  createConcurClient,
  type ConcurClient,
  type ConcurClientOptions,
} from '../../../main/engine/concur/concur-client.js';
import { startSandbox, type Sandbox } from '../../../main/sandbox/index.js';

/** The token the client tests' sandbox expects. */
export const TOKEN = 'client-test-token-4711';

/** A real sandbox on 127.0.0.1 and a temp folder per test file, reset before each test. */
export function useSandboxClient() {
  const h = {
    sandbox: undefined as unknown as Sandbox,
    dir: '',
    /** A client aimed at the sandbox, with the right token unless overridden. */
    client(overrides: Partial<ConcurClientOptions> = {}): ConcurClient {
      return createConcurClient({
        baseUrl: h.sandbox.url,
        authScheme: 'OAuth',
        getToken: async () => TOKEN,
        timeouts: { connectMs: 5_000, responseMs: 15_000 },
        ...overrides,
      });
    },
    /** Writes a scan into the temp folder and returns its path. */
    async scan(name: string, bytes: Buffer): Promise<string> {
      const path = join(h.dir, name);
      await writeFile(path, bytes);
      return path;
    },
  };
  beforeAll(async () => {
    h.sandbox = await startSandbox({ token: TOKEN });
    h.dir = await mkdtemp(join(tmpdir(), 'concur-client-'));
  });
  afterAll(async () => {
    await h.sandbox?.close();
    if (h.dir) await rm(h.dir, { recursive: true, force: true });
  });
  beforeEach(() => h.sandbox.reset());
  return h;
}
