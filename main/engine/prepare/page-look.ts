import type { SourcePage } from './page-source.js';

/**
 * What a page looks like, from a small greyscale copy: line art (text on
 * paper, best kept sharp as PNG) or photo-like (JPEG), and whether it is
 * blank. Blank means blank: a faint thermal receipt or a pencil note must
 * never be dropped, so "ink" is anything clearly darker than the paper and
 * a page needs almost none of it to count as written on.
 */

/** Long side of the copy looked at: about 100 dpi for A4, enough to see a pencil stroke. */
const LOOK_SIDE = 1170;
/** Darker than the paper by this much (of 255) is ink: faint thermal print is ~40–60 darker. */
const INK_STEP = 22;
/** A page with less ink than this share is blank (a short pencil word on A4 is ~0.1 %). */
const BLANK_SHARE = 0.0002;
/** Tones between ink and paper on more than this share of the page: a photo, not line art. */
const PHOTO_SHARE = 0.08;

export interface PageLook {
  blank: boolean;
  lineArt: boolean;
}

export async function lookAt(page: SourcePage): Promise<PageLook> {
  const scale = Math.min(1, LOOK_SIDE / Math.max(page.width, page.height));
  const width = Math.max(1, Math.round(page.width * scale));
  const height = Math.max(1, Math.round(page.height * scale));
  const colour = await page.image
    .clone()
    .resize(Math.min(256, width), null, { fit: 'inside', kernel: 'nearest' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  // A 3×3 median takes out single specks of dust and scanner noise before ink is counted.
  const { data, info } = await page.image
    .clone()
    .resize(width, height, { fit: 'fill' })
    .greyscale()
    .median(3)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const histogram = new Uint32Array(256);
  const channels = info.channels;
  for (let i = 0; i < data.length; i += channels) histogram[data[i]]++;
  const pixels = data.length / channels;
  // The paper: the tone that the lightest 60 % of the page reaches.
  const paper = percentile(histogram, pixels, 0.4);
  let ink = 0;
  for (let v = 0; v < Math.max(0, paper - INK_STEP); v++) ink += histogram[v];
  let between = 0;
  for (let v = 70; v < Math.max(70, paper - 60); v++) between += histogram[v];
  return {
    blank: ink / pixels < BLANK_SHARE,
    lineArt:
      paper >= 160 &&
      !coloured(colour.data, colour.info.channels) &&
      between / pixels < PHOTO_SHARE,
  };
}

/** The tone below which `share` of the pixels lie. */
function percentile(histogram: Uint32Array, pixels: number, share: number): number {
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v];
    if (seen >= pixels * share) return v;
  }
  return 255;
}

/** More than 2 % of the pixels clearly coloured: a photo or a coloured print. */
function coloured(data: Buffer, channels: number): boolean {
  if (channels < 3) return false;
  let count = 0;
  const pixels = data.length / channels;
  for (let i = 0; i < data.length; i += channels) {
    const r = data[i];
    const g = data[i + 1];
    const b = data[i + 2];
    if (Math.max(r, g, b) - Math.min(r, g, b) > 40) count++;
  }
  return count / pixels > 0.02;
}
