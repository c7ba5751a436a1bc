import { english, msg, type Message } from '../i18n/translate.js';
import { createLogger, registerSecret } from '../log/logger.js';
import { systemClock, type AccessTokens, type Clock } from '../ports.js';
import { retryDelay } from '../queue/backoff.js';
import type { SessionStore, StoredSession } from './session-store.js';
import {
  requestTokens,
  revokeConnection,
  trustedGeolocation,
  type TokenAnswer,
  type TokenSet,
} from './token-endpoint.js';
import { refusalMessage } from './refusal-words.js';
import { TokenUnavailable } from './token-unavailable.js';

/**
 * An account's OAuth2 tokens (docs/architecture.md#signing-in-to-concur). The
 * access token lives in memory only and is renewed ahead of its expiry, once
 * more when Concur refuses it, with one refresh in flight however many
 * uploads wait. Concur replaces the refresh token at every refresh, so the
 * new one is stored before the new access token is used: a crash can then
 * never leave only a spent one. A refusal (108, a refused client) means
 * sign-in is needed; a sign-in service that does not answer is tried again
 * with growing pauses.
 */

/** What the status window, the tray and `token check` show of a sign-in. */
export interface SignInState {
  signedIn: boolean;
  userId?: string;
  userName?: string;
  since?: number;
  /** When the current access token expires, if there is one. */
  accessExpiresAt?: number;
  refreshExpiresAt?: number;
  /** Where calls go now: the user's geolocation, else the configured base URL. */
  baseUrl: string;
  /** Why sign-in is needed, in plain words (Concur's own where it gave any). */
  problem?: string;
  /** `problem` as a catalog key, for the user's language. */
  problemText?: Message;
}

export interface TokenManagerOptions {
  /** The configured base URL and the app registration's client id. */
  account: { baseUrl: string; clientId: string };
  sessions: SessionStore;
  clientSecret: () => Promise<string | null>;
  clock?: Clock;
  random?: () => number;
  /** The token endpoint; tests may count calls through it. */
  requestTokens?: (baseUrl: string, form: Record<string, string>) => Promise<TokenAnswer>;
  /** Told after every change of the sign-in state (renewed, refused, signed out). */
  onChange?: (state: SignInState) => void;
}

const NOT_SIGNED_IN = msg('auth.signInFirst');

/** Someone has to sign in: English for the log, the Message for the user's language. */
const unavailable = (problem: Message) =>
  new TokenUnavailable(english.say(problem), false, undefined, problem);

/** Renewal starts this long before the access token expires: a quarter of its life, at most 5 min. */
function aheadMs(lifetimeMs: number): number {
  return Math.min(300_000, Math.max(0, lifetimeMs / 4));
}

const TOKEN_RETRY = { baseMs: 1000, maxMs: 300_000 };

const log = createLogger('tokens');

export class TokenManager implements AccessTokens {
  private session: StoredSession | null = null;
  private access: { token: string; expiresAt: number; renewAt: number } | null = null;
  private inflight: Promise<string> | null = null;
  /** The refresh token Concur refused; asked again only once a different one is stored. */
  private refusedRefresh: string | null = null;
  private problem: Message | null = null;
  private failures = 0;
  private notBefore = 0;
  private trouble: { message: string; text?: Message } = { message: '' };
  private timer: unknown;
  private running = false;
  private readonly clock: Clock;
  private readonly request: NonNullable<TokenManagerOptions['requestTokens']>;

  constructor(private readonly options: TokenManagerOptions) {
    this.clock = options.clock ?? systemClock;
    this.request =
      options.requestTokens ?? ((base, form) => requestTokens(base, form, () => this.clock.now()));
  }

  /** Renews ahead of expiry from now on, even with no upload asking (a demo's minute-long tokens). */
  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
  }

  /** Where the account's calls go now. */
  baseUrl(): string {
    return this.session?.geolocation ?? this.options.account.baseUrl;
  }

  /** A token valid now; throws TokenUnavailable. */
  async token(): Promise<string> {
    const now = this.clock.now();
    const access = this.access;
    if (access && now < access.renewAt) return access.token;
    // Renewal is due but the sign-in service is resting after a failure: the old token still works.
    if (access && now < access.expiresAt && now < this.notBefore) return access.token;
    return this.refresh();
  }

  /** Concur refused `token` (401/403): true when a different token is now worth one more try. */
  async refused(token: string): Promise<boolean> {
    if (this.access && this.access.token !== token) return true;
    this.access = null;
    try {
      await this.refresh();
      return true;
    } catch {
      return false;
    }
  }

  /** One refresh for everyone waiting. */
  refresh(): Promise<string> {
    this.inflight ??= this.renew().finally(() => (this.inflight = null));
    return this.inflight;
  }

  /** What the UI and `token check` show. */
  async state(): Promise<SignInState> {
    const session = await this.load();
    return this.describe(session);
  }

  /**
   * A sign-in's tokens (the code exchange, or a refresh token IT provided):
   * stored first, then used.
   */
  async signedIn(tokens: TokenSet): Promise<SignInState> {
    await this.adopt(tokens, { signedInAt: this.clock.now() });
    return this.describe(this.session);
  }

  /** A refresh token from IT: stored, then proven by a refresh. Throws TokenUnavailable. */
  async useRefreshToken(refreshToken: string): Promise<SignInState> {
    registerSecret(refreshToken);
    await this.options.sessions.save({ refreshToken, signedInAt: this.clock.now() });
    this.access = null;
    this.refusedRefresh = null;
    this.problem = null;
    this.notBefore = 0;
    await this.refresh();
    return this.describe(this.session);
  }

  /** Revokes the grant at Concur (when it can be reached) and forgets the session. */
  async signOut(): Promise<{ revoked: boolean; removed: boolean }> {
    let revoked = false;
    const token = await this.token().catch(() => null);
    if (token) revoked = await revokeConnection(this.baseUrl(), token);
    const removed = await this.options.sessions.clear();
    this.clock.clearTimeout(this.timer);
    this.session = null;
    this.access = null;
    this.problem = msg('auth.signedOut');
    this.changed();
    return { revoked, removed };
  }

  private async renew(): Promise<string> {
    const now = this.clock.now();
    if (now < this.notBefore) {
      const { message, text } = this.trouble;
      throw new TokenUnavailable(message, true, this.notBefore - now, text);
    }
    // Read again each time: a sign-in from another window or shell takes effect here.
    const session = await this.load();
    if (!session) throw this.signInNeeded(this.problem ?? NOT_SIGNED_IN);
    if (session.refreshToken === this.refusedRefresh)
      throw unavailable(this.problem ?? NOT_SIGNED_IN);
    const secret = (await this.options.clientSecret())?.trim();
    if (!secret) throw this.signInNeeded(msg('auth.noSecret'));
    registerSecret(secret);
    const answer = await this.request(this.baseUrl(), {
      grant_type: 'refresh_token',
      refresh_token: session.refreshToken,
      client_id: this.options.account.clientId,
      client_secret: secret,
    });
    if (answer.kind === 'tokens') {
      await this.adopt(answer.tokens, session);
      return this.access!.token;
    }
    if (answer.kind === 'refused') {
      this.refusedRefresh = session.refreshToken;
      this.access = null;
      throw this.signInNeeded(refusalMessage('signInAgain', answer));
    }
    this.failures++;
    const wait = retryDelay(this.failures, TOKEN_RETRY, answer.retryAfterMs, this.options.random);
    this.notBefore = this.clock.now() + wait;
    this.trouble = { message: answer.message, text: answer.text };
    log.warn('token renewal will be tried again', { failures: this.failures, waitMs: wait });
    this.schedule();
    throw new TokenUnavailable(answer.message, true, wait, answer.text);
  }

  /**
   * Makes new tokens current. The refresh token just used is spent, so the
   * new one goes to the keychain before the new access token is handed out.
   */
  private async adopt(tokens: TokenSet, before: Partial<StoredSession>): Promise<void> {
    const refreshToken = tokens.refreshToken ?? before.refreshToken;
    if (!refreshToken) throw unavailable(msg('auth.noRefreshToken'));
    const next: StoredSession = {
      refreshToken,
      geolocation: trustedGeolocation(tokens.geolocation) ?? before.geolocation,
      userId: tokens.identity?.userId ?? before.userId,
      userName: tokens.identity?.name ?? before.userName,
      signedInAt: before.signedInAt ?? this.clock.now(),
      refreshExpiresAt: tokens.refreshExpiresAt ?? before.refreshExpiresAt,
    };
    try {
      await this.options.sessions.save(next);
    } catch (error) {
      // Losing the new token would lose the session for good: keep it in memory at least.
      log.error('the renewed sign-in could not be stored; it is kept for this run only', { error });
    }
    const now = this.clock.now();
    this.session = next;
    this.access = {
      token: tokens.accessToken,
      expiresAt: tokens.expiresAt,
      renewAt: tokens.expiresAt - aheadMs(tokens.expiresAt - now),
    };
    this.failures = 0;
    this.notBefore = 0;
    this.refusedRefresh = null;
    this.problem = null;
    log.info('access token renewed', { expiresInMs: tokens.expiresAt - now, user: next.userId });
    this.schedule();
    this.changed();
  }

  private async load(): Promise<StoredSession | null> {
    const stored = await this.options.sessions.load();
    if (stored?.refreshToken !== this.session?.refreshToken) {
      // A different sign-in (another window, `signin` in a shell): its access token is not ours.
      if (this.session) this.access = null;
      this.session = stored;
    }
    return this.session;
  }

  private signInNeeded(problem: Message): TokenUnavailable {
    const changed = !this.problem || english.say(this.problem) !== english.say(problem);
    this.problem = problem;
    if (changed) {
      log.warn('sign-in needed', { problem: english.say(problem) });
      this.changed();
    }
    return unavailable(problem);
  }

  private schedule(): void {
    this.clock.clearTimeout(this.timer);
    if (!this.running) return;
    const now = this.clock.now();
    const at = this.notBefore > now ? this.notBefore : this.access?.renewAt;
    if (at === undefined) return;
    this.timer = this.clock.setTimeout(
      () => void this.refresh().catch(() => undefined),
      Math.max(0, at - now),
    );
    (this.timer as { unref?: () => void })?.unref?.();
  }

  private describe(session: StoredSession | null): SignInState {
    return {
      signedIn: !!session && session.refreshToken !== this.refusedRefresh,
      ...(session?.userId ? { userId: session.userId } : {}),
      ...(session?.userName ? { userName: session.userName } : {}),
      ...(session?.signedInAt ? { since: session.signedInAt } : {}),
      ...(this.access ? { accessExpiresAt: this.access.expiresAt } : {}),
      ...(session?.refreshExpiresAt ? { refreshExpiresAt: session.refreshExpiresAt } : {}),
      baseUrl: this.baseUrl(),
      ...(this.problem ? { problem: english.say(this.problem), problemText: this.problem } : {}),
    };
  }

  private changed(): void {
    this.options.onChange?.(this.describe(this.session));
  }
}
