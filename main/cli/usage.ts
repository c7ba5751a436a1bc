import { cli } from './language.js';

/**
 * Every command's usage line, apart from the commands themselves so that
 * `concur-drop --help` and a mistyped command load none of the heavy modules.
 * The lines are syntax (the same in every language); what surrounds them
 * comes from the catalogs (`cli.usage.*`, `cli.help.*`).
 */

export const WATCH_USAGE =
  'concur-drop watch --config FILE [--data-dir DIR] [--once] [--json] [--ui-port N]';

export const UPLOAD_USAGE =
  'concur-drop upload FILE… [--report ID | --entry ID | --invoice ID] [--config FILE]';

export const STATUS_USAGE = 'concur-drop status [--data-dir DIR] [--json]';

export const TOKEN_USAGE = 'concur-drop token set|clear|check [--config FILE] [--client-secret]';

export const SANDBOX_USAGE =
  'concur-drop sandbox [--port N] [--token T] [--token-lifetime SECONDS] [--geolocation URL] [--strict-rotation]';

export const DEMO_USAGE = 'concur-drop demo';

export const SIGNIN_USAGE =
  'concur-drop signin [--config FILE] [--account NAME] [--no-browser] | signin --refresh-token (stdin)';

export const SIGNOUT_USAGE = 'concur-drop signout [--config FILE] [--account NAME]';

export const RETRY_USAGE = 'concur-drop retry [--data-dir DIR] [--all | JOB…] [--force] [--json]';

/** "usage: concur-drop watch …" in the user's language. */
export function usageLine(syntax: string): string {
  return cli().t('cli.usage.line', { syntax });
}

/** A command's `--help`: its usage line, then what it does and its flags. */
export function helpText(
  command:
    'watch' | 'upload' | 'status' | 'token' | 'sandbox' | 'demo' | 'retry' | 'signin' | 'signout',
  syntax: string,
  params?: Record<string, string | number>,
): string {
  return `${usageLine(syntax)}\n\n${cli().t(`cli.help.${command}`, params)}`;
}

/** The overview `concur-drop --help` prints: every command's usage line. */
export function overview(): string {
  const lines = [
    WATCH_USAGE,
    UPLOAD_USAGE,
    STATUS_USAGE,
    TOKEN_USAGE,
    SANDBOX_USAGE,
    DEMO_USAGE,
    RETRY_USAGE,
    SIGNIN_USAGE,
    SIGNOUT_USAGE,
  ].map((u) => `  ${u}`);
  return `${cli().t('cli.usage.title')}\n\n${lines.join('\n')}\n\n${cli().t('cli.usage.more')}`;
}
