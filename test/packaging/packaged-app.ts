import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '..', '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

/** The built app electron-builder packs: main, preload and renderer under out/. */
export const BUILT = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'];

/**
 * Builds the app when `npm run build` has not, then packs the unpacked Linux
 * app offline: the Electron binary cannot be downloaded here, so a stub
 * `electron` script stands in for it (electron-builder only copies it).
 * Returns the `resources` folder of the result.
 */
export async function packLinuxDir(): Promise<{ resources: string; workDir: string; log: string }> {
  if (!BUILT.every((f) => existsSync(join(ROOT, f)))) {
    await run(bin('electron-vite'), ['build'], { cwd: ROOT, maxBuffer: 32 * 1024 * 1024 });
  }
  const workDir = await mkdtemp(join(tmpdir(), 'concur-drop-pack-'));
  const electronDist = join(workDir, 'electron-dist');
  await mkdir(electronDist);
  await writeFile(join(electronDist, 'electron'), '#!/bin/sh\necho "stub Electron" >&2\nexit 1\n');
  await chmod(join(electronDist, 'electron'), 0o755);
  const out = join(workDir, 'dist');
  const { stdout, stderr } = await run(
    bin('electron-builder'),
    [
      '--linux',
      'dir',
      `-c.electronDist=${electronDist}`,
      '-c.npmRebuild=false',
      `-c.directories.output=${out}`,
    ],
    { cwd: ROOT, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, CI: 'true' } },
  );
  return { resources: join(out, 'linux-unpacked', 'resources'), workDir, log: stdout + stderr };
}
