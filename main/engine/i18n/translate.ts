import i18next, { type i18n } from 'i18next';
import de from '../../../locales/de.json';
import en from '../../../locales/en.json';
import es from '../../../locales/es.json';
import fr from '../../../locales/fr.json';
import ja from '../../../locales/ja.json';
import type { UploadTarget } from '../types.js';
import { pseudoCatalog, PSEUDO_LOCALE } from './pseudo.js';

/**
 * Every sentence a person reads comes from the catalogs in `locales/`
 * (docs/architecture.md#languages). The engine emits a message key with its
 * parameters; the hosts (CLI, tray, notifications, the window, the error
 * file writer) turn it into words here. Plain code, no Node: the renderer
 * uses it too.
 */

export const LANGUAGES = ['en', 'de', 'fr', 'es', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];
/** The `language` setting: follow the OS, or one language. */
export type LanguageSetting = 'system' | Language;

export type Catalog = { [key: string]: string | Catalog };
export const CATALOGS: Record<Language, Catalog> = { en, de, fr, es, ja };

/** A sentence still to be put into words: a catalog key and what fills its blanks. */
export interface Message {
  key: string;
  params?: Record<string, string | number | Message | undefined>;
  /** Starts the sentence: its first letter is made upper case. */
  capital?: boolean;
}

/** Builds a Message; undefined parameters are left out. */
export function msg(key: string, params?: Message['params']): Message {
  return params ? { key, params } : { key };
}

export interface Translator {
  /** The catalog in use: 'en', 'de', … or the pseudo-locale. */
  readonly language: string;
  /** The BCP 47 locale dates and numbers follow ("de-CH" when the OS says so). */
  readonly locale: string;
  t(key: string, params?: Message['params']): string;
  /** Puts a Message (and any Message among its parameters) into words. */
  say(message: Message): string;
  /**
   * The engine's words in this language: its Message when it sent one, else
   * its fixed English sentence looked up in the catalog (records written
   * before there were Messages), else the English as it is.
   */
  words(message: Message | undefined, englishText: string): string;
  /** "14:05" */
  time(ms: number): string;
  /** Date and time, local: "29 Nov 2026, 14:05". */
  dateTime(ms: number): string;
  /** Today: the time alone; earlier: the date with it. */
  when(ms: number, now?: number): string;
  /** "14:05:03", 24-hour: a log column of equal width. */
  clock(ms: number): string;
  /** Date and time to the second in digits ("29.11.2026, 14:05:03"): a log column. */
  stamp(ms: number): string;
  /** Date and time to the second with the time zone: when a failure happened, for the error file. */
  moment(ms: number): string;
  number(n: number): string;
}

/**
 * The language to speak, from the setting and the OS's locales (first match
 * wins; "de-AT" speaks German with Austrian dates). Anything unknown speaks English.
 */
export function pickLanguage(
  setting: LanguageSetting | undefined,
  systemLocales: readonly (string | undefined)[],
): { language: string; locale: string } {
  const locales = systemLocales
    .filter((l): l is string => !!l)
    .map((l) => l.replace(/\..*$/, '').replace(/@.*$/, '').replace('_', '-'))
    .filter((l) => l !== 'C' && l !== 'POSIX' && isLocale(l));
  if (setting && setting !== 'system') {
    const same = locales.find((l) => l.split('-')[0].toLowerCase() === setting);
    return { language: setting, locale: same ?? setting };
  }
  for (const locale of locales) {
    if (locale.toLowerCase() === PSEUDO_LOCALE.toLowerCase())
      return { language: PSEUDO_LOCALE, locale: 'en' };
    const language = locale.split('-')[0].toLowerCase();
    if ((LANGUAGES as readonly string[]).includes(language)) return { language, locale };
  }
  return { language: 'en', locale: locales.find((l) => l.startsWith('en')) ?? 'en' };
}

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

const instances = new Map<string, i18n>();

function instance(language: string): i18n {
  let found = instances.get(language);
  if (found) return found;
  const catalog =
    language === PSEUDO_LOCALE ? pseudoCatalog(en) : (CATALOGS[language as Language] ?? en);
  found = i18next.createInstance();
  void found.init({
    lng: language,
    fallbackLng: 'en',
    resources: { en: { translation: en }, [language]: { translation: catalog } },
    // Lit and the terminal escape on their own; a file name with "&" must stay as it is.
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
  });
  instances.set(language, found);
  return found;
}

const DAY_MS = 86_400_000;

const translators = new Map<string, Translator>();

/** A translator for one language; `locale` sets how dates and numbers look. */
export function translator(
  language: string,
  locale: string = language,
  via: 'fastest' | 'i18next' = 'fastest',
): Translator {
  const key = `${language} ${locale} ${via}`;
  let found = translators.get(key);
  if (!found) {
    // English, the default of every host and of the engine's own words, takes the direct path.
    const lookup = language === 'en' && via === 'fastest' ? directEnglish() : undefined;
    translators.set(key, (found = makeTranslator(language, locale, lookup)));
  }
  return found;
}

function makeTranslator(
  language: string,
  locale: string,
  lookup: (key: string, params: Record<string, unknown>) => string = i18nextLookup(language),
): Translator {
  const TIME = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const DATE_TIME = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
  const CLOCK = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const STAMP = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const MOMENT = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long' });
  const NUMBER = new Intl.NumberFormat(locale);
  const t = (key: string, params?: Message['params']): string => {
    const filled: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(params ?? {}))
      if (value !== undefined) filled[name] = typeof value === 'object' ? say(value) : value;
    return lookup(key, filled);
  };
  const say = (message: Message): string => {
    const text = t(message.key, message.params);
    return message.capital ? text.charAt(0).toLocaleUpperCase(locale) + text.slice(1) : text;
  };
  const words = (message: Message | undefined, englishText: string): string => {
    if (message) return say(message);
    const key = fixedKeys().get(englishText);
    return key ? t(key) : englishText;
  };
  return {
    language,
    locale,
    t,
    say,
    words,
    time: (ms) => TIME.format(ms),
    dateTime: (ms) => DATE_TIME.format(ms),
    when(ms, now = Date.now()) {
      const midnight = new Date(now).setHours(0, 0, 0, 0);
      return ms >= midnight && ms < midnight + DAY_MS ? TIME.format(ms) : DATE_TIME.format(ms);
    },
    clock: (ms) => CLOCK.format(ms),
    stamp: (ms) => STAMP.format(ms),
    moment: (ms) => MOMENT.format(ms),
    number: (n) => NUMBER.format(n),
  };
}

function i18nextLookup(language: string): (key: string, params: Record<string, unknown>) => string {
  const fixed = instance(language).getFixedT(language);
  return (key, params) => fixed(key, params) as string;
}

/**
 * English straight from its catalog, by the same rules: i18next's t() costs
 * 20–40 µs a call, and the engine words every upload in English for its log,
 * ledger and `--json`. test/i18n checks both give the same words for every key.
 */
function directEnglish(): (key: string, params: Record<string, unknown>) => string {
  const plural = new Intl.PluralRules('en');
  const formats = new Map<string, Intl.NumberFormat>();
  const find = (key: string): string | undefined => {
    let node: unknown = en;
    for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
    return typeof node === 'string' ? node : undefined;
  };
  const number = (format: string): Intl.NumberFormat => {
    let found = formats.get(format);
    if (!found) {
      const options: Record<string, number | string> = {};
      for (const pair of /\((.*)\)/.exec(format)?.[1].split(';') ?? []) {
        const [name, value] = pair.split(':').map((s) => s.trim());
        if (name) options[name] = Number.isNaN(Number(value)) ? value : Number(value);
      }
      formats.set(format, (found = new Intl.NumberFormat('en', options)));
    }
    return found;
  };
  return (key, params) => {
    const count = params.count;
    const text =
      (typeof count === 'number'
        ? (find(`${key}_${plural.select(count)}`) ?? find(`${key}_other`))
        : undefined) ?? find(key);
    if (text === undefined) return key;
    return text.replace(
      /\{\{\s*([\w.]+)\s*(?:,\s*([^}]*?))?\s*\}\}/g,
      (blank, name: string, format?: string) => {
        const value = params[name];
        // As i18next: a blank nobody filled stays visible rather than vanish.
        if (value === undefined) return blank;
        if (format?.startsWith('number') && typeof value === 'number')
          return number(format).format(value);
        return String(value);
      },
    );
  };
}

/** English, for logs, the ledger and `--json`, whose words tools already read. */
export const english: Translator = translator('en');

/** A target for people, always with its full id: two entries may share a name. */
export function targetMessage(target: UploadTarget | null): Message {
  if (!target) return msg('target.none');
  if (target.kind === 'receipt') return msg('target.receipt');
  const label = target.label && target.label !== target.id ? target.label : undefined;
  return label
    ? msg(`target.${target.kind}Named`, { label, id: target.id })
    : msg(`target.${target.kind}`, { id: target.id });
}

let fixedMap: Map<string, string> | undefined;

/** English sentence → key, for the engine's sentences without blanks (`fixed.*`). */
function fixedKeys(): Map<string, string> {
  fixedMap ??= new Map(
    Object.entries(en.fixed as Record<string, string>).map(([key, text]) => [text, `fixed.${key}`]),
  );
  return fixedMap;
}

/** One of the engine's fixed English sentences as a Message, to go inside another; else the words. */
export function fixedMessage(englishText: string): Message | string {
  const key = fixedKeys().get(englishText);
  return key ? msg(key) : englishText;
}

/** A job error's reason: English words for logs, the ledger and `--json`, and the Message. */
export function reasonOf(text: Message): { reason: string; text: Message } {
  return { reason: english.say(text), text };
}

/** A job's note on its state, the same way. */
export function noteOf(note: Message): { detail: string; detailText: Message } {
  return { detail: english.say(note), detailText: note };
}

/** The same target as it reads inside a sentence ("entry Taxi [ENT42]"), full id. */
export function targetInSentence(target: UploadTarget, capital = false): Message {
  const label = target.kind !== 'receipt' && target.label !== target.id ? target.label : undefined;
  const m =
    target.kind === 'receipt'
      ? msg('targetIn.receipt')
      : label
        ? msg(`targetIn.${target.kind}Named`, { label, id: target.id })
        : msg(`targetIn.${target.kind}`, { id: target.id });
  return capital ? { ...m, capital } : m;
}

/** Seconds or minutes, as a parameter. */
export function durationOf(ms: number): Message {
  return ms >= 60_000
    ? msg('duration.minutes', { n: Math.round(ms / 60_000) })
    : msg('duration.seconds', { n: Math.round(ms / 1000) });
}
