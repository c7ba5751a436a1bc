/**
 * Every command's usage line, apart from the commands themselves so that
 * `concur-drop --help` and a mistyped command load none of the heavy modules.
 */

export const WATCH_USAGE =
  'usage: concur-drop watch --config FILE [--data-dir DIR] [--once] [--json] [--ui-port N]';

export const UPLOAD_USAGE =
  'usage: concur-drop upload FILE… [--report ID | --entry ID | --invoice ID] [--config FILE]';

export const STATUS_USAGE = 'usage: concur-drop status [--data-dir DIR] [--json]';

export const TOKEN_USAGE =
  'usage: concur-drop token set|clear|check [--config FILE] [--client-secret]   (set reads the token from stdin)';

export const SANDBOX_USAGE =
  'usage: concur-drop sandbox [--port N] [--token T] [--token-lifetime SECONDS] [--geolocation URL] [--strict-rotation]';

export const DEMO_USAGE = 'usage: concur-drop demo';

export const SIGNIN_USAGE =
  'usage: concur-drop signin [--config FILE] [--account NAME] [--no-browser] | signin --refresh-token (stdin)';

export const SIGNOUT_USAGE = 'usage: concur-drop signout [--config FILE] [--account NAME]';

export const RETRY_USAGE =
  'usage: concur-drop retry [--data-dir DIR] [--all | JOB…] [--force] [--json]';

/** The overview `concur-drop --help` prints: every command's usage line. */
export const OVERVIEW = `concur-drop: uploads receipt and invoice scans to SAP Concur

${[
  WATCH_USAGE,
  UPLOAD_USAGE,
  STATUS_USAGE,
  TOKEN_USAGE,
  SANDBOX_USAGE,
  DEMO_USAGE,
  RETRY_USAGE,
  SIGNIN_USAGE,
  SIGNOUT_USAGE,
]
  .map((u) => u.replace(/^usage: /, '  '))
  .join('\n')}

"concur-drop COMMAND --help" explains a command.`;
