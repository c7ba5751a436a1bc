import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { TRAY_STATES, type TrayState } from '../main/app/tray-state.js';

/**
 * Draws the app icon and the tray icons into build/ (committed; run again with
 * `npx tsx scripts/make-icons.ts [out-dir]` after changing a shape). Plain PNG through
 * node:zlib, shapes as inside-tests supersampled 4×4 for smooth edges.
 *
 *   build/icon.png                512 px app icon (electron-builder makes .ico/.icns from it)
 *   build/tray/<state>.png        16 px, Windows (+ @2x 32 px)
 *   build/tray/<state>-32.png     32 px, Linux panels (+ @2x 64 px)
 *   build/tray/<state>Template.png 16 px black macOS template (+ @2x 32 px)
 */

type Rgba = [number, number, number, number];
type Inside = (x: number, y: number) => boolean;
interface Layer {
  inside: Inside;
  color: Rgba;
}

const circle =
  (cx: number, cy: number, r: number): Inside =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring =
  (cx: number, cy: number, r: number, w: number): Inside =>
  (x, y) => {
    const d = Math.hypot(x - cx, y - cy);
    return d <= r && d >= r - w;
  };
/** A thick line with round ends. */
const stroke =
  (x1: number, y1: number, x2: number, y2: number, w: number): Inside =>
  (x, y) => {
    const dx = x2 - x1;
    const dy = y2 - y1;
    const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)) <= w / 2;
  };
const rect =
  (x1: number, y1: number, x2: number, y2: number, r = 0): Inside =>
  (x, y) => {
    if (x < x1 || x > x2 || y < y1 || y > y2) return false;
    const cx = Math.max(x1 + r, Math.min(x2 - r, x));
    const cy = Math.max(y1 + r, Math.min(y2 - r, y));
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
const any =
  (...shapes: Inside[]): Inside =>
  (x, y) =>
    shapes.some((s) => s(x, y));

/** The white mark inside each state's disc, in a 0..1 box. */
const GLYPHS: Record<TrayState, Inside> = {
  idle: any(stroke(0.3, 0.52, 0.45, 0.67, 0.13), stroke(0.45, 0.67, 0.72, 0.36, 0.13)),
  uploading: any(
    stroke(0.5, 0.74, 0.5, 0.3, 0.13),
    stroke(0.5, 0.28, 0.32, 0.46, 0.13),
    stroke(0.5, 0.28, 0.68, 0.46, 0.13),
  ),
  paused: any(rect(0.33, 0.3, 0.44, 0.7, 0.03), rect(0.56, 0.3, 0.67, 0.7, 0.03)),
  'sign-in': any(stroke(0.5, 0.27, 0.5, 0.56, 0.14), circle(0.5, 0.72, 0.075)),
  failed: any(stroke(0.34, 0.34, 0.66, 0.66, 0.13), stroke(0.66, 0.34, 0.34, 0.66, 0.13)),
  unavailable: stroke(0.3, 0.7, 0.7, 0.3, 0.12),
};

const COLORS: Record<TrayState, Rgba> = {
  idle: [46, 160, 67, 255],
  uploading: [31, 111, 235, 255],
  paused: [110, 118, 129, 255],
  'sign-in': [210, 140, 0, 255],
  failed: [207, 34, 46, 255],
  unavailable: [110, 118, 129, 255],
};
const WHITE: Rgba = [255, 255, 255, 255];
const BLACK: Rgba = [0, 0, 0, 255];

function trayLayers(state: TrayState, template: boolean): Layer[] {
  const disc = circle(0.5, 0.5, 0.47);
  if (template) {
    // macOS tints template images itself: black shapes, meaning carried by the glyph.
    const glyph = GLYPHS[state];
    return [{ inside: (x, y) => ring(0.5, 0.5, 0.47, 0.09)(x, y) || glyph(x, y), color: BLACK }];
  }
  if (state === 'unavailable') {
    return [
      { inside: ring(0.5, 0.5, 0.47, 0.12), color: COLORS[state] },
      { inside: GLYPHS[state], color: COLORS[state] },
    ];
  }
  return [
    { inside: disc, color: COLORS[state] },
    { inside: GLYPHS[state], color: WHITE },
  ];
}

function appIconLayers(): Layer[] {
  const blue: Rgba = [31, 111, 235, 255];
  // A receipt with a torn bottom edge and an upload arrow on it.
  const paper: Inside = (x, y) => {
    if (x < 0.28 || x > 0.72 || y < 0.18) return false;
    const tooth = 0.055;
    const edge = 0.8 + Math.abs(((x - 0.28) % (2 * tooth)) - tooth);
    return y <= edge;
  };
  return [
    { inside: rect(0.04, 0.04, 0.96, 0.96, 0.2), color: blue },
    { inside: paper, color: WHITE },
    { inside: stroke(0.5, 0.7, 0.5, 0.34, 0.07), color: blue },
    { inside: stroke(0.5, 0.32, 0.39, 0.44, 0.07), color: blue },
    { inside: stroke(0.5, 0.32, 0.61, 0.44, 0.07), color: blue },
  ];
}

/** Rasterizes layers into straight-alpha RGBA, 4×4 samples per pixel. */
function render(size: number, layers: Layer[]): Buffer {
  const out = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          let c: Rgba | null = null;
          for (const layer of layers) if (layer.inside(x, y)) c = layer.color;
          if (c) {
            const al = c[3] / 255;
            r += c[0] * al;
            g += c[1] * al;
            b += c[2] * al;
            a += al;
          }
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
      }
      out[i + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  return out;
}

/** Encodes RGBA pixels as a PNG. */
export function encodePng(size: number, rgba: Buffer, height = size): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const row = size * 4;
  const raw = Buffer.alloc((row + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(raw, y * (row + 1) + 1, y * row, (y + 1) * row);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function write(file: string, size: number, layers: Layer[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, encodePng(size, render(size, layers)));
}

/** Writes every icon under `buildDir`. */
export function makeIcons(buildDir: string): void {
  write(join(buildDir, 'icon.png'), 512, appIconLayers());
  const tray = join(buildDir, 'tray');
  for (const state of TRAY_STATES) {
    write(join(tray, `${state}.png`), 16, trayLayers(state, false));
    write(join(tray, `${state}@2x.png`), 32, trayLayers(state, false));
    write(join(tray, `${state}-32.png`), 32, trayLayers(state, false));
    write(join(tray, `${state}-32@2x.png`), 64, trayLayers(state, false));
    write(join(tray, `${state}Template.png`), 16, trayLayers(state, true));
    write(join(tray, `${state}Template@2x.png`), 32, trayLayers(state, true));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // An output folder may be given (the icons test draws into a temp folder to compare).
  const buildDir = resolve(
    process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'build'),
  );
  makeIcons(buildDir);
  console.log(`icons written to ${buildDir}`);
}
