import { redact } from '../engine/log/logger.js';
import { favourMemory } from '../engine/memory-saver.js';
import { optimiseSooner } from '../engine/tier-up.js';
import { CommandError, EXIT, UsageError } from './args.js';
import { closest } from './suggest.js';
import { cli } from './language.js';
import { overview, usageLine } from './usage.js';

/**
 * The headless `concur-drop` command (docs/architecture.md#the-command-line, a contract other tooling
 * relies on): commands, flags and exit codes exactly as written there.
 */

type Command = (argv: string[]) => Promise<number>;

// Loaded on demand: `status` or `token` need not load the HTTP client, the
// watcher or the PDF library, which cost more start-up time than the command.
const COMMANDS: Record<string, () => Promise<Command>> = {
  watch: async () => (await import('./commands/watch.js')).watchCommand,
  upload: async () => (await import('./commands/upload.js')).uploadCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  token: async () => (await import('./commands/token.js')).tokenCommand,
  sandbox: async () => (await import('./commands/sandbox.js')).sandboxCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  retry: async () => (await import('./commands/retry.js')).retryCommand,
  signin: async () => (await import('./commands/signin.js')).signinCommand,
  signout: async () => (await import('./commands/signin.js')).signoutCommand,
};

async function main(argv: string[]): Promise<number> {
  favourMemory();
  optimiseSooner();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    const guess = closest(name, Object.keys(COMMANDS));
    const said = guess
      ? cli().t('cli.usage.unknownCommandGuess', { name, guess })
      : cli().t('cli.usage.unknownCommand', { name });
    console.error(`concur-drop: ${said}\n\n${overview()}`);
    return EXIT.usage;
  }
  try {
    // Settings come with the organisation's policy applied; a command that reads none skips it.
    if (!['status', 'sandbox', 'retry'].includes(name))
      await (await import('./host.js')).readMachinePolicy();
    return await (
      await load()
    )(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(
        `concur-drop ${name}: ${error.message}${error.usage ? `\n${usageLine(error.usage)}` : ''}`,
      );
      return EXIT.usage;
    }
    if (error instanceof CommandError) {
      console.error(`concur-drop ${name}: ${error.message}`);
      return error.code;
    }
    // Unexpected: one readable line (redacted), the stack only when asked for.
    const message = error instanceof Error ? error.message : String(error);
    console.error(redact(`concur-drop ${name}: ${message}`));
    if (process.env.CONCUR_DROP_DEBUG && error instanceof Error)
      console.error(redact(error.stack ?? ''));
    return EXIT.failed;
  }
}

// Exit explicitly: a watcher or keep-alive socket must not keep a finished command alive.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Let stdout drain first (pipes are asynchronous on Windows).
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    console.error(redact(String(error)));
    process.exit(EXIT.failed);
  },
);
