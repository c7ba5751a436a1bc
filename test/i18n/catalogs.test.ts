import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGS, LANGUAGES, type Catalog } from '../../main/engine/i18n/translate.js';

// The catalogs a translator edits (locales/*.json): every language says every
// sentence, with the same blanks, and nothing the code no longer asks for.

const ROOT = resolve(import.meta.dirname, '../..');
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) =>
  [...text.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]).sort();

/** Keys as the code asks for them: plural forms folded into their base. */
function baseKeys(flat: Map<string, string>): Set<string> {
  return new Set([...flat.keys()].map((k) => k.replace(PLURAL, '')));
}

const en = flatten(CATALOGS.en);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) ? [readFileSync(path, 'utf8')] : [];
  });
}
const code = [join(ROOT, 'main'), join(ROOT, 'renderer', 'src')].flatMap(sources).join('\n');

describe('the message catalogs', () => {
  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    const flat = flatten(CATALOGS[language]);
    const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;

    it(`${language}: has every English sentence and no other`, () => {
      const missing = [...baseKeys(en)].filter((k) => !baseKeys(flat).has(k));
      const extra = [...baseKeys(flat)].filter((k) => !baseKeys(en).has(k));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    });

    it(`${language}: has each plural form the language uses`, () => {
      const plurals = new Set(
        [...en.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')),
      );
      const wrong: string[] = [];
      for (const base of plurals)
        for (const category of categories)
          if (!flat.has(`${base}_${category}`)) wrong.push(`${base}_${category} missing`);
      for (const key of flat.keys()) {
        const m = PLURAL.exec(key);
        if (m && !categories.includes(m[1] as Intl.LDMLPluralRule))
          wrong.push(`${key} not used in ${language}`);
      }
      expect(wrong).toEqual([]);
    });

    it(`${language}: fills the same blanks as English`, () => {
      const differ: string[] = [];
      for (const [key, text] of flat) {
        const base = key.replace(PLURAL, '');
        const source = en.get(key) ?? en.get(`${base}_other`) ?? en.get(base);
        if (source === undefined) continue;
        const want = placeholders(source).filter((p) => p !== 'count');
        const got = placeholders(text).filter((p) => p !== 'count');
        if (JSON.stringify(want) !== JSON.stringify(got)) differ.push(`${key}: ${got} ≠ ${want}`);
      }
      expect(differ).toEqual([]);
    });
  }

  it('has a sentence for every key the code asks for', () => {
    const asked = [
      ...code.matchAll(/\b(?:t|msg|translate)\(\s*'([a-zA-Z]+(?:\.[a-zA-Z0-9]+)+)'/g),
    ].map((m) => m[1]);
    expect(asked.length).toBeGreaterThan(50);
    expect(asked.filter((k) => !baseKeys(en).has(k))).toEqual([]);
  });

  it('has no sentence the code no longer asks for', () => {
    const literals = new Set(
      [...code.matchAll(/['`]([a-zA-Z]+(?:\.[a-zA-Z0-9]+)+)['`]/g)].map((m) => m[1]),
    );
    // `state.${job.state}` and the like: the prefix stands for every key under it.
    const prefixes = [...code.matchAll(/`([a-zA-Z]+(?:\.[a-zA-Z0-9]+)*\.)\$\{/g)].map((m) => m[1]);
    // fixed.*: the engine's sentences without blanks, found by their English words.
    const used = (key: string) =>
      literals.has(key) ||
      prefixes.some((p) => key.startsWith(p)) ||
      (key.startsWith('fixed.') && code.includes(en.get(key)!));
    expect([...baseKeys(en)].filter((key) => !used(key))).toEqual([]);
  });
});
