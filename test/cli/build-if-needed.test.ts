import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, needsBuild } from '../../scripts/build-if-needed.js';
import { cliNodeFlags } from '../../scripts/cli-flags.js';
import { buildCli, builtCli, tempDir } from './cli-harness.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('concur-drop-clone-'));
});
afterAll(() => cleanup());

const at = (path: string, seconds: number) => utimes(path, seconds, seconds);

describe('npm run demo in a fresh clone', () => {
  it('builds first when there is no build or it is older than the sources, and not otherwise', async () => {
    // A clone: sources, no out/.
    await mkdir(join(dir, 'main', 'cli'), { recursive: true });
    const source = join(dir, 'main', 'cli', 'index.ts');
    await writeFile(source, 'export {};\n');
    await at(source, 1_000_000);
    expect(needsBuild(dir)).toBe(true);

    const built = join(dir, BUILT_CLI);
    await mkdir(join(built, '..'), { recursive: true });
    await writeFile(built, '#!/usr/bin/env node\n');
    await at(built, 2_000_000);
    expect(needsBuild(dir)).toBe(false);

    // An edit after the build: built again.
    await at(source, 3_000_000);
    expect(needsBuild(dir)).toBe(true);
  });

  it('is what the demo script runs before the CLI', async () => {
    const { scripts } = await packageJson();
    expect(scripts.demo).toMatch(
      /^tsx scripts\/build-if-needed\.ts && node .*out\/cli\/concur-drop\.js demo$/,
    );
  });
});

describe('npm run cli and npm run demo', () => {
  beforeAll(() => buildCli(), 120_000);

  it('start node with the flags the concur-drop command gives it', async () => {
    const flags = cliNodeFlags(builtCli()).join(' ');
    expect(flags).not.toBe('');
    const { scripts } = await packageJson();
    expect(scripts.cli).toBe(`node ${flags} out/cli/concur-drop.js`);
    expect(scripts.demo).toBe(
      `tsx scripts/build-if-needed.ts && node ${flags} out/cli/concur-drop.js demo`,
    );
  });
});

async function packageJson(): Promise<{ scripts: Record<string, string> }> {
  const root = resolve(import.meta.dirname, '../..');
  return JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
}
