import { describe, expect, it } from 'vitest';
import { systemLocales } from '../../main/engine/i18n/system-locale.js';
import {
  CATALOGS,
  english,
  fixedMessage,
  msg,
  pickLanguage,
  translator,
} from '../../main/engine/i18n/translate.js';

describe('choosing the language', () => {
  it('follows the OS: LC_ALL, then LC_MESSAGES, then LANG; C and POSIX are English', () => {
    expect(systemLocales({ LANG: 'de_AT.UTF-8' })).toEqual(['de_AT.UTF-8']);
    expect(systemLocales({ LC_ALL: 'fr_FR.UTF-8', LANG: 'de_DE.UTF-8' })).toEqual(['fr_FR.UTF-8']);
    expect(systemLocales({ LC_ALL: 'C', LANG: 'de_DE.UTF-8' })).toEqual(['en']);
    expect(pickLanguage('system', ['de_AT.UTF-8'])).toEqual({ language: 'de', locale: 'de-AT' });
    expect(pickLanguage('system', ['ja-JP'])).toEqual({ language: 'ja', locale: 'ja-JP' });
  });

  it('lets the setting win, and speaks English where it has no catalog', () => {
    expect(pickLanguage('es', ['de-DE'])).toEqual({ language: 'es', locale: 'es' });
    expect(pickLanguage('de', ['de-CH', 'en-US'])).toEqual({ language: 'de', locale: 'de-CH' });
    expect(pickLanguage('system', ['pt-BR', 'nl-NL'])).toEqual({ language: 'en', locale: 'en' });
    expect(pickLanguage(undefined, [])).toEqual({ language: 'en', locale: 'en' });
  });
});

describe('putting the engine’s words into a language', () => {
  const de = translator('de', 'de-DE');

  it('finds a fixed English sentence of an older record in the catalog', () => {
    expect(de.words(undefined, 'The file is empty.')).toBe('Die Datei ist leer.');
    expect(de.words(undefined, 'Something the catalog never had.')).toBe(
      'Something the catalog never had.',
    );
  });

  it('fills blanks with other Messages, sizes and numbers in the locale’s own digits', () => {
    const text = msg('notice.unavailable', {
      root: '/mnt/scans',
      reason: fixedMessage('the folder was removed or the share was disconnected'),
    });
    expect(de.say(text)).toBe(
      'Der Ordner /mnt/scans ist nicht erreichbar: der Ordner wurde entfernt oder das Netzlaufwerk getrennt. Er wird alle paar Sekunden erneut geprüft.',
    );
    expect(de.say(msg('reason.tooLarge', { size: msg('size.mb', { n: 12.34 }) }))).toBe(
      'Die Datei ist 12,3 MB groß; Concur nimmt höchstens 10 MB an.',
    );
    expect(translator('fr', 'fr-FR').t('status.counts.uploadedToday', { count: 1234 })).toBe(
      '1\u202f234 envoyés aujourd’hui',
    );
    expect(translator('fr', 'fr-FR').t('status.counts.uploadedToday', { count: 1 })).toBe(
      '1 envoyé aujourd’hui',
    );
  });

  it('makes the pseudo-locale from English: accents, longer, blanks kept', () => {
    const pseudo = translator('en-XA', 'en');
    expect(pseudo.t('status.headline.working', { count: 2 })).toMatch(/^\[Wörkíñg öñ 2 šçáñš ~/);
    expect(pseudo.t('row.retry').length).toBeGreaterThan('Retry'.length * 1.4);
  });
});

describe('the engine’s fast English', () => {
  it('says every sentence exactly as i18next does, plurals and number formats included', () => {
    const i18nextEnglish = translator('en', 'en', 'i18next');
    const keys: string[] = [];
    const walk = (node: object, prefix: string) => {
      for (const [k, v] of Object.entries(node))
        if (typeof v === 'string') keys.push(`${prefix}${k}`.replace(/_(one|other)$/, ''));
        else walk(v as object, `${prefix}${k}.`);
    };
    walk(CATALOGS.en, '');
    const differ: string[] = [];
    for (const key of new Set(keys))
      for (const count of [1, 1234.5]) {
        const params = {
          count,
          n: 12.34,
          id: 'A2C4',
          name: 'a & b.pdf',
          target: 'report X',
          folder: 2,
          route: 3,
        } as Record<string, string | number>;
        for (const blank of [
          'error',
          'status',
          'tries',
          'seconds',
          'percent',
          'min',
          'max',
          'rest',
        ])
          params[blank] = 7;
        const fast = english.t(key, params);
        const slow = i18nextEnglish.t(key, params);
        if (fast !== slow) differ.push(`${key}: ${fast} ≠ ${slow}`);
      }
    expect(differ).toEqual([]);
  });
});
