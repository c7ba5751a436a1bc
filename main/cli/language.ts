import {
  msg,
  pickLanguage,
  translator,
  type LanguageSetting,
  type Translator,
} from '../engine/i18n/translate.js';
import { systemLocales } from '../engine/i18n/system-locale.js';

/**
 * The language the command speaks: the config file's `language`, else the
 * environment's (LANG, LC_ALL, …). `--json` stays English whatever is chosen:
 * tools read it.
 */
let current: Translator = fromSetting(undefined);

function fromSetting(setting: LanguageSetting | undefined): Translator {
  const { language, locale } = pickLanguage(setting, systemLocales());
  return translator(language, locale);
}

/** The translator for what people read. */
export const cli = (): Translator => current;

/** Why an OAuth2 account cannot upload when its sign-in says nothing more. */
export const NOT_SIGNED_IN = msg('auth.signInCli');

/** Follows the config file's `language` once it is read. */
export function useConfigLanguage(setting: LanguageSetting | undefined): void {
  current = fromSetting(setting);
  configSetting = setting;
}

let configSetting: LanguageSetting | undefined;

/** The config file's `language` as written: the sign-in page in the browser follows it, else the browser's. */
export const configLanguage = (): LanguageSetting | undefined => configSetting;
