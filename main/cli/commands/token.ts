import { text } from 'node:stream/consumers';
import {
  accountFor,
  envSecretStore,
  keychainSecretStore,
  KeychainUnavailableError,
  TOKEN_ENV,
} from '../../engine/secrets/secret-store.js';
import { CommandError, EXIT, parseCommand, UsageError } from '../args.js';
import { cli, NOT_SIGNED_IN, useConfigLanguage } from '../language.js';
import { loadSettings, oauth2For, openDataDir } from '../host.js';
import type { OAuth2Account } from '../../engine/auth/account-auth.js';
import { CLIENT_SECRET_ENV } from '../../engine/auth/session-store.js';
import { who } from './signin.js';
import { helpText, TOKEN_USAGE } from '../usage.js';

/** `concur-drop token set|clear|check`: the token in the OS keychain. */
export async function tokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    usage: TOKEN_USAGE,
    positionals: true,
    options: {
      config: { type: 'string' },
      account: { type: 'string' },
      'client-secret': { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(helpText('token', TOKEN_USAGE, { env: TOKEN_ENV }));
    return EXIT.ok;
  }
  const [action, ...extra] = positionals;
  if (!action) throw new UsageError(cli().t('cli.token.noAction'), TOKEN_USAGE);
  if (extra.length)
    throw new UsageError(
      cli().t('cli.token.unexpected', { args: extra.map((e) => `"${e}"`).join(' ') }),
      TOKEN_USAGE,
    );
  const { settings } = loadSettings(values.config);
  useConfigLanguage(settings.language);
  const tr = cli();
  openDataDir();
  const oauth2 = oauth2For(settings, values.account);
  if (oauth2 && (action === 'check' || values['client-secret']))
    return oauth2Token(oauth2, action, !!values['client-secret']);
  if (values['client-secret'])
    throw new UsageError(cli().t('cli.token.secretWithoutOAuth2'), TOKEN_USAGE);
  const account = accountFor(settings.concur.baseUrl);
  const keychain = keychainSecretStore();
  const fromEnv = await envSecretStore(process.env).get(account);

  try {
    switch (action) {
      case 'set': {
        const token = (await readStdin()).trim();
        if (!token) throw new UsageError(tr.t('cli.token.noToken'), TOKEN_USAGE);
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
        throw new UsageError(tr.t('cli.token.unknownAction', { action }), TOKEN_USAGE);
    }
  } catch (error) {
    if (error instanceof KeychainUnavailableError)
      throw new CommandError(tr.words(undefined, error.message), EXIT.failed);
    throw error;
  }
}

/** The prompt on a terminal: it names the keys that end input there (Ctrl-D does nothing on Windows). */
export function tokenPrompt(
  platform: NodeJS.Platform = process.platform,
  what: 'token' | 'secret' | 'refresh' = 'token',
): string {
  const end = platform === 'win32' ? 'Ctrl-Z' : 'Ctrl-D';
  const key = {
    token: 'cli.token.pasteToken',
    secret: 'cli.token.pasteSecret',
    refresh: 'cli.token.pasteRefresh',
  }[what];
  return cli().t(key, {
    end: cli().t(platform === 'win32' ? 'cli.token.endWindows' : 'cli.token.endOther', { end }),
  });
}

async function readStdin(what: 'token' | 'secret' = 'token'): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(tokenPrompt(process.platform, what));
  return text(process.stdin);
}

/**
 * `token check` of an OAuth2 account (who is signed in, until when; nothing
 * is sent), and `token set|clear --client-secret` (the app registration's secret).
 */
async function oauth2Token(
  account: OAuth2Account,
  action: string,
  secret: boolean,
): Promise<number> {
  const keychain = keychainSecretStore();
  try {
    if (secret && action === 'set') {
      const value = (await readStdin('secret')).trim();
      if (!value) throw new UsageError(cli().t('cli.token.noSecret'), TOKEN_USAGE);
      await keychain.set(account.clientSecretEntry, value);
      console.log(cli().t('cli.token.secretStored', { clientId: account.oauth2.clientId }));
      return EXIT.ok;
    }
    if (secret && action === 'clear') {
      const removed = await keychain.delete(account.clientSecretEntry);
      console.log(cli().t(removed ? 'cli.token.secretRemoved' : 'cli.token.noSecretStored'));
      return EXIT.ok;
    }
    if (action !== 'check')
      throw new UsageError(cli().t('cli.token.unknownAction', { action }), TOKEN_USAGE);
    const state = await account.manager.state();
    const where = await account.sessions.where();
    const secretKnown = !!(await account.clientSecret());
    if (!state.signedIn) {
      console.log(cli().say(state.problemText ?? NOT_SIGNED_IN));
      return EXIT.failed;
    }
    const tr = cli();
    const lasts = state.refreshExpiresAt
      ? tr.t('cli.token.lastsUntil', { when: tr.dateTime(state.refreshExpiresAt) })
      : tr.t('cli.token.lastsRenewed');
    console.log(
      state.since
        ? tr.t('cli.token.signedInSince', {
            who: who(state),
            since: tr.dateTime(state.since),
            lasts,
          })
        : tr.t('cli.token.signedIn', { who: who(state), lasts }),
    );
    console.log(tr.t('cli.token.uploadsGo', { url: state.baseUrl }));
    if (where === 'memory') console.log(tr.t('cli.token.memory', { env: account.refreshTokenEnv }));
    if (!secretKnown) console.log(tr.t('cli.token.noSecretKnown', { env: CLIENT_SECRET_ENV }));
    return secretKnown ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (error instanceof KeychainUnavailableError)
      throw new CommandError(cli().words(undefined, error.message), EXIT.failed);
    throw error;
  }
}
