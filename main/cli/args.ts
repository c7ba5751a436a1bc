import { parseArgs, type ParseArgsConfig } from 'node:util';
import { cli } from './language.js';
import { closest } from './suggest.js';

/**
 * Flag parsing for every command (docs/architecture.md#the-command-line is the contract): node's parseArgs
 * in strict mode, so an unknown or malformed flag is a usage error (exit 2)
 * that shows the command's usage line.
 */

/** Exit codes of docs/architecture.md#the-command-line, shared by every command. */
export const EXIT = {
  ok: 0,
  /** a job or upload failed */
  failed: 1,
  /** usage or config error */
  usage: 2,
  /** uploads paused: the token was refused or there is none */
  tokenRefused: 3,
} as const;

/** A usage or config problem: printed with the usage line, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command's own problem, already explained in `message`; ends the run with `code`. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends Options> {
  usage: string;
  options: O;
  positionals?: boolean;
}

/**
 * A long option written with one dash (`-once`): parseArgs would read it as
 * the short flags -o -n -c -e and complain about "-o", which helps nobody.
 */
function singleDashLong(argv: string[], options: Options): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return undefined;
    const previous = argv[i - 1];
    const takesValue =
      previous?.startsWith('--') &&
      !previous.includes('=') &&
      options[previous.slice(2)]?.type === 'string';
    if (takesValue || !/^-[^-]{2,}/.test(arg)) continue;
    const name = arg.slice(1).split('=')[0];
    const match = closest(name, Object.keys(options));
    if (match) return cli().t('cli.usage.unknownOptionGuess', { name: arg, guess: `--${match}` });
  }
  return undefined;
}

/** Node's "Unknown option '--onec'. To specify a positional…" as one plain sentence, with a guess. */
function unknownOption(message: string, options: Options): string | undefined {
  const name = /^Unknown option '(-[^']*)'/.exec(message)?.[1];
  if (!name) return undefined;
  const match = closest(name.replace(/^--?/, '').split('=')[0], Object.keys(options));
  return match
    ? cli().t('cli.usage.unknownOptionGuess', { name, guess: `--${match}` })
    : cli().t('cli.usage.unknownOption', { name });
}

/** Parses argv for one command; `--help` / `-h` is always accepted and reported as `help`. */
export function parseCommand<O extends Options>(argv: string[], spec: CommandSpec<O>) {
  const known: Options = { ...spec.options, help: { type: 'boolean', short: 'h' } };
  const mistyped = singleDashLong(argv, known);
  if (mistyped) throw new UsageError(mistyped, spec.usage);
  try {
    const parsed = parseArgs({
      args: argv,
      options: known,
      allowPositionals: spec.positionals ?? false,
      strict: true,
    });
    return {
      values: parsed.values as ReturnType<typeof parseArgs<{ options: O }>>['values'] & {
        help?: boolean;
      },
      positionals: parsed.positionals,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      const message = (error as Error).message;
      throw new UsageError(unknownOption(message, known) ?? message, spec.usage);
    }
    throw error;
  }
}

/** A port number from a flag: 0–65535, or a usage error naming the flag. */
export function portFlag(
  value: string | undefined,
  flag: string,
  usage: string,
): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new UsageError(cli().t('cli.usage.badPort', { flag, value }), usage);
  return port;
}

/**
 * A port the server could not listen on, said plainly (exit 2, like any other
 * setup error); null for any other failure. The errno stays in the log.
 */
export function portRefused(error: unknown, port: number, flag: string): CommandError | null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new CommandError(cli().t('cli.usage.portInUse', { port, flag }), EXIT.usage);
  if (code === 'EACCES')
    return new CommandError(cli().t('cli.usage.portDenied', { port, flag }), EXIT.usage);
  return null;
}
