import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { parseSettings } from '../../../main/engine/settings/schema.js';
import { startSandbox, type Sandbox } from '../../../main/sandbox/sandbox.js';
import { jpeg } from '../../fixtures/scans.js';
import { FAST } from '../../helpers/engine-harness.js';
import { makeTempDir, waitFor } from '../../helpers/temp-dir.js';

let engine: Engine | undefined;
let sandbox: Sandbox | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await engine?.stop();
  await sandbox?.close();
  await cleanup?.();
  engine = sandbox = cleanup = undefined;
});

describe('engine: its own files inside a watched folder', () => {
  it('never takes its data dir or config file for scans, and still uploads the scan beside them', async () => {
    const tmp = await makeTempDir('concur-drop-own-');
    cleanup = tmp.cleanup;
    const root = tmp.path; // the user pointed the watched folder at where the config lives
    const dataDir = join(root, 'concur-drop-data');
    const configFile = join(root, 'concur-drop.json');
    sandbox = await startSandbox({ port: 0 });
    const settings = parseSettings({
      concur: { baseUrl: sandbox.url },
      folders: [{ path: root }],
      ...FAST,
    });
    await writeFile(configFile, JSON.stringify(settings));
    await mkdir(dataDir, { recursive: true });
    engine = createEngine({
      settings,
      dataDir,
      ownFiles: [configFile],
      getToken: async () => sandbox!.token,
    });
    await engine.start();
    await writeFile(join(root, 'taxi.jpg'), jpeg(3000, 9));
    await waitFor(() =>
      engine!.jobs('all').find((j) => j.name === 'taxi.jpg' && j.state === 'uploaded'),
    );
    await engine.whenIdle();

    expect(engine.jobs('all').map((j) => j.name)).toEqual(['taxi.jpg']);
    expect(existsSync(configFile)).toBe(true);
    expect(existsSync(join(dataDir, 'ledger', 'jobs.jsonl'))).toBe(true);
    expect(existsSync(join(root, 'Failed'))).toBe(false);
    expect(sandbox.received()).toHaveLength(1);
  });
});
