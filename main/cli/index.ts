import { redact } from '../engine/log/logger.js';
import { CommandError, EXIT, UsageError } from './args.js';
import { demoCommand } from './commands/demo.js';
import { OVERVIEW } from './commands/help.js';
import { sandboxCommand } from './commands/sandbox.js';
import { statusCommand } from './commands/status.js';
import { tokenCommand } from './commands/token.js';
import { uploadCommand } from './commands/upload.js';
import { watchCommand } from './commands/watch.js';

/**
 * The headless `concur-drop` command (DESIGN §8, a contract other tooling
 * relies on): commands, flags and exit codes exactly as written there.
 */

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  watch: watchCommand,
  upload: uploadCommand,
  status: statusCommand,
  token: tokenCommand,
  sandbox: sandboxCommand,
  demo: demoCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(OVERVIEW);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`concur-drop: unknown command "${name}"\n\n${OVERVIEW}`);
    return EXIT.usage;
  }
  try {
    return await command(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(
        `concur-drop ${name}: ${error.message}${error.usage ? `\n${error.usage}` : ''}`,
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
