import { text } from 'node:stream/consumers';
import {
  accountFor,
  envSecretStore,
  keychainSecretStore,
  KeychainUnavailableError,
  TOKEN_ENV,
} from '../../engine/secrets/secret-store.js';
import { CommandError, EXIT, parseCommand, UsageError } from '../args.js';
import { cli, useConfigLanguage } from '../language.js';
import { loadSettings, openDataDir } from '../host.js';
import { TOKEN_USAGE } from '../usage.js';

const HELP = `${TOKEN_USAGE}

The Concur token lives in the OS keychain (service "Concur Drop", account = the
base URL's origin, from --config or the default https://www.concursolutions.com).
  token set     reads the token from stdin (e.g. \`concur-drop token set < token.txt\`)
  token clear   removes it
  token check   says whether a token is stored (or comes from ${TOKEN_ENV}); sends nothing
${TOKEN_ENV}, when set, wins over the keychain.`;

/** `concur-drop token set|clear|check`: the token in the OS keychain. */
export async function tokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    usage: TOKEN_USAGE,
    positionals: true,
    options: { config: { type: 'string' } },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [action, ...extra] = positionals;
  if (!action) throw new UsageError('token needs set, clear or check', TOKEN_USAGE);
  if (extra.length)
    throw new UsageError(
      `unexpected ${extra.map((e) => `"${e}"`).join(' ')}: the token is read from stdin, never from the command line`,
      TOKEN_USAGE,
    );
  const { settings } = loadSettings(values.config);
  useConfigLanguage(settings.language);
  const tr = cli();
  openDataDir();
  const account = accountFor(settings.concur.baseUrl);
  const keychain = keychainSecretStore();
  const fromEnv = await envSecretStore(process.env).get(account);

  try {
    switch (action) {
      case 'set': {
        const token = (await readStdin()).trim();
        if (!token) throw new UsageError('no token on stdin', TOKEN_USAGE);
        await keychain.set(account, token);
        console.log(tr.t('token.stored', { account }));
        if (fromEnv) console.error(tr.t('token.envWins'));
        return EXIT.ok;
      }
      case 'clear': {
        const removed = await keychain.delete(account);
        console.log(tr.t(removed ? 'token.removed' : 'token.noneStored', { account }));
        return EXIT.ok;
      }
      case 'check': {
        if (fromEnv) {
          console.log(tr.t('token.fromEnv', { account }));
          return EXIT.ok;
        }
        const stored = await keychain.get(account);
        if (stored) {
          console.log(tr.t('token.inKeychain', { account }));
          return EXIT.ok;
        }
        console.log(tr.t('token.missing', { account }));
        return EXIT.failed;
      }
      default:
        throw new UsageError(`unknown token action "${action}"`, TOKEN_USAGE);
    }
  } catch (error) {
    if (error instanceof KeychainUnavailableError)
      throw new CommandError(tr.words(undefined, error.message), EXIT.failed);
    throw error;
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    process.stderr.write('Paste the Concur token, then press Enter and Ctrl-D: ');
  return text(process.stdin);
}
