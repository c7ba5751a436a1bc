import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { png } from '../fixtures/scans.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

/** `concur-drop` applies the organisation's policy like the desktop app does. */

beforeAll(() => buildCli(), 120_000);

const TOKEN = 'policy-cli-token';
let sandbox: Sandbox;
let dir: string;
let cleanup: () => Promise<void>;
let scan: string;
let config: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, token: TOKEN });
  ({ dir, cleanup } = await tempDir());
  scan = join(dir, 'a.png');
  await writeFile(scan, png());
  config = join(dir, 'concur-drop.json');
  // The user's own file points elsewhere; the policy locks the address.
  await writeFile(
    config,
    JSON.stringify({ concur: { baseUrl: 'https://us.api.concursolutions.com' } }),
  );
});
afterAll(async () => {
  await sandbox?.close();
  await cleanup();
});
beforeEach(() => sandbox.reset());

async function withPolicy(policy: unknown) {
  const file = join(dir, 'policy.json');
  await writeFile(file, typeof policy === 'string' ? policy : JSON.stringify(policy));
  return runCli(['upload', scan, '--config', config], {
    env: {
      CONCUR_DROP_TOKEN: TOKEN,
      CONCUR_DROP_HOME: join(dir, 'data'),
      CONCUR_DROP_POLICY: file,
    },
  });
}

describe('concur-drop under a policy', { timeout: 90_000 }, () => {
  it('a locked setting wins over the config file, and says so', async () => {
    const r = await withPolicy({
      settings: { concur: { baseUrl: sandbox.url } },
      locked: ['concur.baseUrl'],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(sandbox.received()).toHaveLength(1);
    expect(r.stderr).toContain(
      `concur.baseUrl: set by your organisation's policy (${join(dir, 'policy.json')}); the config file's value is not used.`,
    );
  });

  it('a broken policy stops the command with a plain message (exit 2), never skipped', async () => {
    const r = await withPolicy({ settings: { concur: { baseUrl: 'ftp://files' } } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `Your organisation's policy (${join(dir, 'policy.json')}) cannot be used:\n  settings.concur.baseUrl: must use https`,
    );
    expect(sandbox.requests()).toBe(0);
  });
});
