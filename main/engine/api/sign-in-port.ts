import type { SignInStart, SignInView } from '../../../preload/contract.js';
import type { OAuth2Account } from '../auth/account-auth.js';
import { signInWithBrowser } from '../auth/sign-in.js';
import type { SignInState } from '../auth/token-manager.js';
import type { LanguageSetting, Message } from '../i18n/translate.js';
import { createLogger } from '../log/logger.js';

/**
 * "Sign in with SAP Concur" for a host with a browser to open
 * (docs/architecture.md#signing-in-to-concur): the contract's getSignIn,
 * beginSignIn, signIn and signOut over each account's token manager. Every
 * answer is null when the account uses a pasted token instead.
 */

export interface SignInPort {
  /** `account` absent: the first account. */
  state(account?: string): Promise<SignInView | null>;
  /**
   * Starts the account's sign-in (or joins the one running) and answers the
   * authorize address once its loopback listener listens; null: a pasted-token account.
   */
  begin(account?: string): Promise<SignInStart | null>;
  /** Starts the account's sign-in, or waits for the one running (a second click joins the first). */
  start(account?: string): Promise<SignInView | null>;
  signOut(account?: string): Promise<SignInView | null>;
}

interface Running {
  url: Promise<SignInStart>;
  done: Promise<SignInView>;
}

const log = createLogger('sign-in');

export function signInPort(options: {
  /** The OAuth2 account of that name (absent: the first) in the current settings, or null. */
  account: (name?: string) => OAuth2Account | null;
  /** Opens the URL in the user's browser; absent (the browser view), the page opens it. */
  openBrowser?: (url: string) => Promise<void>;
  /** Signed in or out: that account's uploads waiting for sign-in may go on. */
  changed: (account: string) => void;
  timeoutMs?: number;
  /** The `language` setting now, for the page the browser shows at the end. */
  language?: () => LanguageSetting | undefined;
}): SignInPort {
  // One sign-in per account at a time; accounts sharing a redirect URI find its port taken, and say so.
  const running = new Map<string, Running>();

  const run = (account: OAuth2Account): Running => {
    const had = running.get(account.name);
    if (had) return had;
    let told!: (start: SignInStart) => void;
    const url = new Promise<SignInStart>((resolve) => (told = resolve));
    const done = (async () => {
      try {
        const state = await signInWithBrowser({
          account,
          onUrl: (href) => told({ url: href }),
          openBrowser: options.openBrowser,
          timeoutMs: options.timeoutMs,
          language: options.language?.(),
        });
        options.changed(account.name);
        return viewOf(state);
      } catch (error) {
        const problem = (error as Error).message;
        log.warn('sign-in did not complete', { account: account.name, error: problem });
        const problemText = (error as { text?: Message }).text;
        told({ problem });
        return { ...viewOf(await account.manager.state()), problem, problemText };
      }
    })().finally(() => running.delete(account.name));
    const entry = { url, done };
    running.set(account.name, entry);
    return entry;
  };

  return {
    async state(name) {
      const account = options.account(name);
      return account && viewOf(await account.manager.state());
    },
    async begin(name) {
      const account = options.account(name);
      return account && run(account).url;
    },
    async start(name) {
      const account = options.account(name);
      return account && run(account).done;
    },
    async signOut(name) {
      const account = options.account(name);
      if (!account) return null;
      await account.manager.signOut();
      options.changed(account.name);
      const state = viewOf(await account.manager.state());
      return { ...state, problem: undefined, problemText: undefined };
    },
  };
}

function viewOf(state: SignInState): SignInView {
  return {
    mode: 'oauth2',
    signedIn: state.signedIn,
    ...(state.userName ? { userName: state.userName } : {}),
    ...(state.userId ? { userId: state.userId } : {}),
    ...(state.since ? { since: state.since } : {}),
    ...(state.refreshExpiresAt ? { until: state.refreshExpiresAt } : {}),
    ...(state.problem ? { problem: state.problem } : {}),
    ...(state.problemText ? { problemText: state.problemText } : {}),
  };
}
