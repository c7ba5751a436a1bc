import type { SignInView } from '../../../preload/contract.js';
import type { OAuth2Account } from '../auth/account-auth.js';
import { signInWithBrowser } from '../auth/sign-in.js';
import type { SignInState } from '../auth/token-manager.js';
import type { Message } from '../i18n/translate.js';
import { createLogger } from '../log/logger.js';

/**
 * "Sign in with SAP Concur" for a host with a browser to open
 * (docs/architecture.md#signing-in-to-concur): the contract's getSignIn,
 * signIn and signOut over the account's token manager. Every answer is null
 * when the account uses a pasted token instead.
 */

export interface SignInPort {
  state(): Promise<SignInView | null>;
  /** One sign-in at a time: a second click waits for the first. */
  start(): Promise<SignInView | null>;
  signOut(): Promise<SignInView | null>;
}

const log = createLogger('sign-in');

export function signInPort(options: {
  /** The OAuth2 account of the current settings, or null. */
  account: () => OAuth2Account | null;
  openBrowser: (url: string) => Promise<void>;
  /** Signed in or out: uploads waiting for sign-in may go on. */
  changed: () => void;
  timeoutMs?: number;
}): SignInPort {
  let running: Promise<SignInView | null> | null = null;
  return {
    async state() {
      const account = options.account();
      return account && viewOf(await account.manager.state());
    },
    start() {
      running ??= (async () => {
        const account = options.account();
        if (!account) return null;
        try {
          const state = await signInWithBrowser({
            account,
            openBrowser: options.openBrowser,
            timeoutMs: options.timeoutMs,
          });
          options.changed();
          return viewOf(state);
        } catch (error) {
          log.warn('sign-in did not complete', { error: (error as Error).message });
          return {
            ...viewOf(await account.manager.state()),
            problem: (error as Error).message,
            problemText: (error as { text?: Message }).text,
          };
        }
      })().finally(() => (running = null));
      return running;
    },
    async signOut() {
      const account = options.account();
      if (!account) return null;
      await account.manager.signOut();
      options.changed();
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
