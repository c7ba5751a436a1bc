import { listPackage, statFile } from '@electron/asar';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TRAY_STATES } from '../../main/app/tray-state.js';
import { packLinuxDir, ROOT } from './packaged-app.js';

/**
 * What an installer would ship: electron-builder packs the built app
 * (`--linux dir`, offline, with a stub Electron), and the resulting app.asar
 * is read back. Packing takes most of a minute on two cores, so it runs once.
 */

let resources: string;
let workDir: string;
let files: string[];
let asar: string;

beforeAll(async () => {
  ({ resources, workDir } = await packLinuxDir());
  asar = join(resources, 'app.asar');
  files = listPackage(asar, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
}, 300_000);
afterAll(() => (workDir ? rm(workDir, { recursive: true, force: true }) : undefined));

/** package.json's production dependencies and everything they need, by name. */
function runtimeClosure(): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string, from: string) => {
    // Resolve like Node: the nearest node_modules first, then each one above it.
    const candidates: string[] = [];
    for (let dir = from; dir.startsWith(ROOT); dir = dirname(dir)) {
      if (basename(dir) !== 'node_modules') candidates.push(join(dir, 'node_modules', name));
      if (dir === ROOT) break;
    }
    const dir = candidates.find((d) => existsSync(join(d, 'package.json')));
    if (!dir) return; // an optional dependency not installed here
    const key = `${name}@${dir}`;
    if (seen.has(key)) return;
    seen.add(key);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }))
      visit(dep, dir);
  };
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const dep of Object.keys(root.dependencies)) visit(dep, ROOT);
  return new Set([...seen].map((k) => k.slice(0, k.indexOf('@', 1))));
}

const packagesIn = (list: string[]) =>
  new Set(
    list
      .map((f) => /\/node_modules\/((?:@[^/]+\/)?[^/@]+)\/package\.json$/.exec(f)?.[1])
      .filter((n): n is string => !!n),
  );

describe('the packaged app', () => {
  test('app.asar holds the built main, preload and renderer, started from package.json', () => {
    for (const f of [
      '/out/main/index.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/package.json',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => /^\/out\/renderer\/assets\/.+\.js$/.test(f))).toBe(true);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).main).toBe(
      'out/main/index.js',
    );
  });

  test('holds no sources, tests or build scratch', () => {
    const app = files.filter((f) => !f.startsWith('/node_modules/'));
    expect(app.filter((f) => /\.ts$/.test(f))).toEqual([]);
    for (const dir of [
      '/main',
      '/preload/',
      '/renderer/',
      '/test',
      '/scripts',
      '/build',
      '/bench',
      '/docs',
    ]) {
      expect(app.filter((f) => f.startsWith(dir))).toEqual([]);
    }
    expect(
      app.filter((f) => f.startsWith('/out/') && !/^\/out\/(main|preload|renderer)(\/|$)/.test(f)),
    ).toEqual([]);
  });

  test('holds only runtime dependencies: no Electron, build tools or test tools', () => {
    const shipped = packagesIn(files);
    for (const dev of [
      'electron',
      'electron-builder',
      'electron-vite',
      'vite',
      'vitest',
      'typescript',
      'playwright-core',
      'axe-core',
      'eslint',
      'prettier',
      'tsx',
      '@electron/asar',
    ]) {
      expect(shipped.has(dev), `${dev} must not ship`).toBe(false);
    }
    const allowed = runtimeClosure();
    expect([...shipped].filter((name) => !allowed.has(name))).toEqual([]);
    for (const dep of ['electron-store', 'keytar', 'zod', 'pdf-lib', 'fast-xml-parser']) {
      expect(shipped.has(dep), `${dep} must ship`).toBe(true);
    }
  });

  test('keytar’s native module is unpacked beside the asar, where it can be loaded', () => {
    const native = files.filter(
      (f) => f.startsWith('/node_modules/keytar/') && f.endsWith('.node'),
    );
    expect(native).toContain('/node_modules/keytar/build/Release/keytar.node');
    for (const f of native) {
      expect((statFile(asar, f.slice(1)) as { unpacked?: boolean }).unpacked).toBe(true);
      expect(existsSync(join(resources, 'app.asar.unpacked', f))).toBe(true);
    }
  });

  test('sharp’s native module and libvips are unpacked beside the asar; the preparing worker ships', () => {
    const native = files.filter(
      (f) => /^\/node_modules\/(sharp|@img)\//.test(f) && /\.(node|so(\.\d+)*|dylib|dll)$/.test(f),
    );
    expect(native.some((f) => f.endsWith('.node'))).toBe(true);
    expect(native.some((f) => /libvips/.test(f))).toBe(true);
    for (const f of native) {
      expect((statFile(asar, f.slice(1)) as { unpacked?: boolean }).unpacked, f).toBe(true);
      expect(existsSync(join(resources, 'app.asar.unpacked', f)), f).toBe(true);
    }
    expect(files).toContain('/out/main/prepare-worker.js');
    for (const dep of ['sharp', '@hyzyla/pdfium', 'heic-decode'])
      expect(packagesIn(files).has(dep), `${dep} must ship`).toBe(true);
  });

  test('the app icon and a tray icon for every state ship beside the asar', () => {
    expect(existsSync(join(resources, 'icons', 'icon.png'))).toBe(true);
    for (const state of TRAY_STATES) {
      for (const name of [
        `${state}.png`,
        `${state}@2x.png`,
        `${state}-32.png`,
        `${state}Template.png`,
      ]) {
        expect(existsSync(join(resources, 'icons', 'tray', name)), name).toBe(true);
      }
    }
  });
});
