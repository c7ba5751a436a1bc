import type { Catalog } from './translate.js';

/**
 * The pseudo-locale en-XA (Chromium's and Android's name for it): English
 * with accents and 40 % more length, so a layout that only fits English
 * shows itself before a translator's German does. Made from the English
 * catalog when asked for, never shipped as a file.
 */
export const PSEUDO_LOCALE = 'en-XA';

const ACCENTED: Record<string, string> = {
  a: 'á',
  e: 'é',
  i: 'í',
  o: 'ö',
  u: 'ü',
  c: 'ç',
  n: 'ñ',
  y: 'ý',
  s: 'š',
  z: 'ž',
  A: 'Å',
  E: 'É',
  I: 'Î',
  O: 'Ø',
  U: 'Û',
  C: 'Ç',
  N: 'Ñ',
  Y: 'Ý',
  S: 'Š',
  Z: 'Ž',
};

/** One string: accents outside {{placeholders}}, padded to about 140 %, in brackets. */
export function pseudoString(text: string): string {
  const parts = text.split(/(\{\{[^}]*\}\})/);
  const accented = parts
    .map((part) =>
      part.startsWith('{{') ? part : part.replace(/[A-Za-z]/g, (c) => ACCENTED[c] ?? c),
    )
    .join('');
  // Padding in short words, as real translations grow: lines may still wrap between them.
  const pad = ' ~~~~'.repeat(Math.ceil((text.length * 0.4) / 5));
  return `[${accented}${pad}]`;
}

export function pseudoCatalog(catalog: Catalog): Catalog {
  const out: Catalog = {};
  for (const [key, value] of Object.entries(catalog))
    out[key] = typeof value === 'string' ? pseudoString(value) : pseudoCatalog(value);
  return out;
}
