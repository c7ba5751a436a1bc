import { text } from 'node:stream/consumers';
import type { OAuth2Account } from '../../engine/auth/account-auth.js';
import { signInWithBrowser, SignInFailed, SignInRefused } from '../../engine/auth/sign-in.js';
import type { SignInState } from '../../engine/auth/token-manager.js';
import { TokenUnavailable } from '../../engine/auth/token-unavailable.js';
import { defaultOpenUrl } from '../../engine/api/open-in-os.js';
import type { Message } from '../../engine/i18n/translate.js';
import { CommandError, EXIT, parseCommand, UsageError } from '../args.js';
import { cli, configLanguage, useConfigLanguage } from '../language.js';
import { tokenPrompt } from './token.js';
import { loadSettings, oauth2For, openDataDir } from '../host.js';
import { helpText, SIGNIN_USAGE, SIGNOUT_USAGE } from '../usage.js';

/** `concur-drop signin`: the browser sign-in, or an IT-provided refresh token. */
export async function signinCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {
    usage: SIGNIN_USAGE,
    options: {
      config: { type: 'string' },
      account: { type: 'string' },
      'no-browser': { type: 'boolean' },
      'refresh-token': { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(helpText('signin', SIGNIN_USAGE));
    return EXIT.ok;
  }
  const account = oauthAccount(values.config, values.account, SIGNIN_USAGE);
  if ((await account.sessions.where()) === 'memory')
    throw new CommandError(cli().t('cli.signin.noKeychain'), EXIT.failed);
  let state: SignInState;
  try {
    if (values['refresh-token']) {
      if (process.stdin.isTTY) process.stderr.write(tokenPrompt(process.platform, 'refresh'));
      const token = (await text(process.stdin)).trim();
      if (!token) throw new UsageError(cli().t('cli.signin.noRefreshToken'), SIGNIN_USAGE);
      state = await account.manager.useRefreshToken(token);
    } else {
      state = await signInWithBrowser({
        account,
        onUrl: (url) => console.log(cli().t('cli.signin.openThis', { url })),
        language: configLanguage(),
        openBrowser: values['no-browser']
          ? undefined
          : async (url) => {
              if (!(await defaultOpenUrl(url))) console.error(cli().t('cli.signin.noBrowser'));
            },
      });
    }
  } catch (error) {
    const words = (e: { text?: Message; message: string }) => cli().words(e.text, e.message);
    if (error instanceof SignInRefused) throw new CommandError(words(error), EXIT.tokenRefused);
    if (error instanceof TokenUnavailable)
      throw new CommandError(words(error), error.transient ? EXIT.failed : EXIT.tokenRefused);
    if (error instanceof SignInFailed) throw new CommandError(words(error), EXIT.failed);
    throw error;
  }
  console.log(cli().t('cli.signin.signedIn', { who: who(state), url: state.baseUrl }));
  return EXIT.ok;
}

/** `concur-drop signout`: revokes the grant at Concur and forgets the tokens. */
export async function signoutCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {
    usage: SIGNOUT_USAGE,
    options: { config: { type: 'string' }, account: { type: 'string' } },
  });
  if (values.help) {
    console.log(helpText('signout', SIGNOUT_USAGE));
    return EXIT.ok;
  }
  const account = oauthAccount(values.config, values.account, SIGNOUT_USAGE);
  const { revoked, removed } = await account.manager.signOut();
  if (!removed && !revoked) {
    console.log(cli().t('cli.signin.notSignedIn'));
    return EXIT.ok;
  }
  console.log(cli().t(revoked ? 'cli.signin.signedOutRevoked' : 'cli.signin.signedOut'));
  return EXIT.ok;
}

/** "Alice Example (user id 0b9d…)", or the user id alone. */
export function who(state: SignInState): string {
  const id = state.userId
    ? cli().t('cli.signin.userId', { id: state.userId })
    : cli().t('cli.signin.unnamed');
  return state.userName ? `${state.userName} (${id})` : id;
}

function oauthAccount(
  config: string | undefined,
  name: string | undefined,
  usage: string,
): OAuth2Account {
  const { settings } = loadSettings(config);
  useConfigLanguage(settings.language);
  openDataDir();
  const account = oauth2For(settings, name);
  if (!account) throw new UsageError(cli().t('cli.signin.notOAuth2'), usage);
  return account;
}
