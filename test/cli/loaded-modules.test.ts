import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

/**
 * pdf-lib is some 200 files: `watch` loads it the first time it merges a
 * batch, not at every start, since most runs send receipts that are never
 * merged. A module hook given to node records which packages were loaded.
 */

beforeAll(() => buildCli(), 120_000);

const TOKEN = 'loaded-modules-token';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, token: TOKEN });
});
afterAll(() => sandbox.close());

/** Runs `watch --once` over `files` and returns the packages of `watched` that node loaded. */
async function loadedWhile(files: Record<string, Buffer>, watched: string[]): Promise<string[]> {
  const { dir, cleanup } = await tempDir();
  try {
    for (const [rel, bytes] of Object.entries(files)) {
      await mkdir(join(dir, 'Scans', rel, '..'), { recursive: true });
      await writeFile(join(dir, 'Scans', rel), bytes);
    }
    const config = join(dir, 'concur-drop.json');
    await writeFile(
      config,
      JSON.stringify({
        concur: { baseUrl: sandbox.url },
        folders: [{ path: 'Scans' }],
        settleMs: 0,
        batchWindowMs: 300,
      }),
    );
    const log = join(dir, 'loaded.txt');
    await writeFile(log, '');
    const hook = join(dir, 'hook.mjs');
    const resolver = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (${JSON.stringify(watched)}.includes(specifier)) appendFileSync(${JSON.stringify(log)}, specifier + '\\n');
  return next(specifier, context);
}`;
    await writeFile(
      hook,
      `import { register } from 'node:module';\nregister(${JSON.stringify('data:text/javascript,' + encodeURIComponent(resolver))});\n`,
    );
    const r = await runCli(
      ['watch', '--once', '--config', config, '--data-dir', join(dir, 'data')],
      { env: { CONCUR_DROP_TOKEN: TOKEN, NODE_OPTIONS: `--import ${hook}` } },
    );
    expect(r.code, r.stderr).toBe(0);
    return [...new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))];
  } finally {
    await cleanup();
  }
}

describe('what concur-drop watch loads', { timeout: 60_000 }, () => {
  it('sends receipts without loading the PDF library', async () => {
    const loaded = await loadedWhile({ 'a.jpg': jpeg(2000, 1), 'b.jpg': jpeg(2000, 2) }, [
      'pdf-lib',
      'zod',
    ]);
    // zod (the settings' schema) shows the hook saw the loads.
    expect(loaded).toEqual(['zod']);
  });

  it('loads it to merge an entry’s scans into one PDF', async () => {
    const loaded = await loadedWhile(
      { 'entry/ENT7/a.jpg': jpeg(2000, 3), 'entry/ENT7/b.jpg': jpeg(2000, 4) },
      ['pdf-lib'],
    );
    expect(loaded).toEqual(['pdf-lib']);
    expect(sandbox.received().at(-1)?.contentType).toBe('application/pdf');
  });
});
