import {
  pickLanguage,
  targetMessage,
  translator,
  type LanguageSetting,
  type Message,
  type Translator,
} from '../../main/engine/i18n/translate.js';
import type { UploadTarget } from '../../main/engine/types.js';

/**
 * The window's language: the `language` setting, else the browser's own
 * languages (in Electron those are the OS's). Components re-render on the
 * `cd-language` event when it changes.
 */

let current: Translator = fromSetting('system');

function fromSetting(setting: LanguageSetting): Translator {
  // No navigator where the formatting is unit-tested under Node 20.
  const { language, locale } = pickLanguage(setting, globalThis.navigator?.languages ?? []);
  return translator(language, locale);
}

/** The translator in use. */
export const tr = (): Translator => current;

/** One sentence from the catalog. */
export const t = (key: string, params?: Message['params']): string => current.t(key, params);

/** A target as a person reads it, with its full id. */
export const targetText = (target: UploadTarget | null): string =>
  current.say(targetMessage(target));

/** Switches language (after the settings load or change) and tells the components. */
export function useLanguage(setting: LanguageSetting | undefined): void {
  const next = fromSetting(setting ?? 'system');
  // Screen readers pick their voice from it.
  document.documentElement.lang = next.locale;
  if (next === current) return;
  current = next;
  window.dispatchEvent(new Event('cd-language'));
}
