import { app } from 'electron';
import {
  pickLanguage,
  translator,
  type LanguageSetting,
  type Translator,
} from '../engine/i18n/translate.js';

/**
 * The tray's and the notifications' language: the `language` setting, else
 * the OS's (Electron's app locale, then the user's preferred languages).
 */
export function appTranslator(setting: LanguageSetting | undefined): Translator {
  const system = [app.getLocale?.(), ...(app.getPreferredSystemLanguages?.() ?? [])];
  const { language, locale } = pickLanguage(setting, system);
  return translator(language, locale);
}
