import { parseArgs, type ParseArgsConfig } from 'node:util';

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

/** Parses argv for one command; `--help` / `-h` is always accepted and reported as `help`. */
export function parseCommand<O extends Options>(argv: string[], spec: CommandSpec<O>) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
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
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((error as Error).message, spec.usage);
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
    throw new UsageError(`${flag} must be a port number (0–65535), not "${value}"`, usage);
  return port;
}
