import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

/**
 * A start loads only what sending receipts needs: pdf-lib (some 200 files)
 * the first time a batch is merged, the XML parser the first time Concur
 * answers anything but its plain success. Hooks given to node record which
 * packages were loaded, by import (a module hook) or by require.
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
    const record = `if (${JSON.stringify(watched)}.includes(specifier)) appendFileSync(${JSON.stringify(log)}, specifier + '\\n');`;
    const resolver = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  ${record}
  return next(specifier, context);
}`;
    const importHook = join(dir, 'import-hook.mjs');
    await writeFile(
      importHook,
      `import { register } from 'node:module';\nregister(${JSON.stringify('data:text/javascript,' + encodeURIComponent(resolver))});\n`,
    );
    const requireHook = join(dir, 'require-hook.cjs');
    await writeFile(
      requireHook,
      `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const load = Module._load;
Module._load = function (specifier, ...rest) {
  ${record}
  return load.call(this, specifier, ...rest);
};\n`,
    );
    const r = await runCli(
      ['watch', '--once', '--config', config, '--data-dir', join(dir, 'data')],
      {
        env: {
          CONCUR_DROP_TOKEN: TOKEN,
          NODE_OPTIONS: `--import ${importHook} --require ${requireHook}`,
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    return [...new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))];
  } finally {
    await cleanup();
  }
}

describe('what concur-drop watch loads', { timeout: 60_000 }, () => {
  const libraries = ['pdf-lib', 'fast-xml-parser', 'i18next'];

  it('sends receipts with neither the PDF library nor the XML parser', async () => {
    const loaded = await loadedWhile({ 'a.jpg': jpeg(2000, 1), 'b.jpg': jpeg(2000, 2) }, libraries);
    // i18next (the translations) shows the hooks saw the loads.
    expect(loaded).toEqual(['i18next']);
  });

  it('loads the PDF library to merge an entry’s scans into one PDF', async () => {
    const loaded = await loadedWhile(
      { 'entry/ENT7/a.jpg': jpeg(2000, 3), 'entry/ENT7/b.jpg': jpeg(2000, 4) },
      libraries,
    );
    expect(loaded.sort()).toEqual(['i18next', 'pdf-lib']);
    expect(sandbox.received().at(-1)?.contentType).toBe('application/pdf');
  });

  it('loads the XML parser to read an answer that is not a plain success', async () => {
    sandbox.inject({ status: 503 });
    const loaded = await loadedWhile({ 'c.jpg': jpeg(2000, 5) }, libraries);
    expect(loaded.sort()).toEqual(['fast-xml-parser', 'i18next']);
  });
});
