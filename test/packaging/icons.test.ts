import { readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { TRAY_STATES } from '../../main/app/tray-state.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './packaged-app.js';

/** Width and height from a PNG's IHDR chunk. */
async function pngSize(file: string): Promise<[number, number]> {
  const b = await readFile(file);
  expect(b.subarray(1, 4).toString('ascii')).toBe('PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

const build = join(ROOT, 'build');

describe('icons', () => {
  test('the app icon is 512 px, as electron-builder wants for every installer', async () => {
    expect(await pngSize(join(build, 'icon.png'))).toEqual([512, 512]);
  });

  test('every tray state has its icon at the sizes each OS uses', async () => {
    const sizes: Record<string, number> = {
      '': 16, // Windows
      '@2x': 32,
      '-32': 32, // Linux panels
      '-32@2x': 64,
      Template: 16, // macOS menu bar
      'Template@2x': 32,
    };
    for (const state of TRAY_STATES) {
      for (const [suffix, px] of Object.entries(sizes)) {
        expect(
          await pngSize(join(build, 'tray', `${state}${suffix}.png`)),
          `${state}${suffix}`,
        ).toEqual([px, px]);
      }
    }
  });

  test('the committed icons are what scripts/make-icons.ts draws', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'concur-drop-icons-'));
    try {
      // Run as a script (scripts/ is outside the typechecked project).
      await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'tsx'), [
        join(ROOT, 'scripts', 'make-icons.ts'),
        dir,
      ]);
      const made = (await readdir(join(dir, 'tray'))).sort();
      expect(made).toEqual((await readdir(join(build, 'tray'))).sort());
      for (const name of made) {
        expect(
          Buffer.compare(
            await readFile(join(dir, 'tray', name)),
            await readFile(join(build, 'tray', name)),
          ),
          name,
        ).toBe(0);
      }
      expect(
        Buffer.compare(
          await readFile(join(dir, 'icon.png')),
          await readFile(join(build, 'icon.png')),
        ),
      ).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
