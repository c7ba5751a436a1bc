import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Concur's Authentication API (`/oauth2/v0`) as the sandbox plays it
 * (docs/architecture.md#signing-in-to-concur): the token endpoint with its three
 * grants, Concur's numbered errors, geolocation, revocation, and Bearer checks
 * for the image endpoints. One authority can be shared by two sandboxes, so a
 * second port can play the data center a user "lives" in.
 */

/** An app registration: what IT gets from Concur. */
export interface OAuth2App {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** A Concur user the sandbox knows. */
export interface SandboxUser {
  id: string;
  username: string;
  password: string;
  name: string;
  locked?: boolean;
}

/** One call of the token endpoint, as the sandbox saw it (never the tokens themselves). */
export interface TokenCall {
  grant: string;
  /** The sandbox URL the call reached. */
  at: string;
  status: number;
  /** Concur's error code, when refused. */
  code?: number;
  time: number;
}

/** A token endpoint misbehaviour, consumed by the next token call. */
export type TokenFault = { status: number } | { drop: true };

/** What an issued access token tells the image endpoints. */
export interface AccessGrant {
  userId: string;
  expiresAt: number;
  /** The refresh token it came with, so its use spends the one before. */
  family: RefreshRecord;
}

interface RefreshRecord {
  token: string;
  userId: string;
  clientId: string;
  expiresAt: number;
  spent: boolean;
  /** The refresh token this one replaced: spent for good once this one (or its access token) is used. */
  previous?: RefreshRecord;
  /** The pair that replaced this one, withdrawn if this one is presented again before that pair was used. */
  next?: RefreshRecord;
  accessTokens: string[];
}

interface CodeRecord {
  userId: string;
  clientId: string;
  redirectUri: string;
  challenge?: string;
  expiresAt: number;
}

/** Concur's error body: `{code, error, error_description, geolocation?}`. */
export interface OAuth2Error {
  status: number;
  code: number;
  error: string;
  error_description: string;
  geolocation?: string;
}

export const SANDBOX_APP: OAuth2App = {
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-client-secret',
  redirectUris: ['http://127.0.0.1:53682/callback'],
};

export const SANDBOX_USER: SandboxUser = {
  id: '0b9d7a3e-5f41-4c1e-9a0c-6d1f2e8b7c55',
  username: 'alice@example.com',
  password: 'sandbox',
  name: 'Alice Example',
};

const SIX_MONTHS_S = 182 * 24 * 3600;
const CODE_LIFETIME_MS = 60_000;

/** The shared state of the sandbox's sign-in service. */
export class OAuth2Authority {
  readonly apps = new Map<string, OAuth2App>();
  readonly users = new Map<string, SandboxUser>();
  /** Access token lifetime, seconds (Concur: 3600). */
  tokenLifetimeS: number;
  /** Where users live; unset: wherever the request arrived. */
  geolocation: string | undefined;
  /**
   * The harshest reading of Concur's rotation: a refresh token is spent the moment it
   * is used, so a client that loses the answer (or dies before storing it) must sign
   * in again. Off: it is spent once its replacement is used
   * (docs/architecture.md#refresh-token-rotation).
   */
  strictRotation: boolean;
  private readonly codes = new Map<string, CodeRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly accessTokens = new Map<string, AccessGrant>();
  private readonly calls: TokenCall[] = [];
  private readonly faults: TokenFault[] = [];
  private readonly signingKey = randomBytes(32);
  /** Every token and code handed out, so a test can look for them where they must never be. */
  private readonly handedOut: string[] = [];

  constructor(
    options: {
      tokenLifetimeS?: number;
      apps?: OAuth2App[];
      users?: SandboxUser[];
      strictRotation?: boolean;
    } = {},
  ) {
    this.tokenLifetimeS = options.tokenLifetimeS ?? 3600;
    this.strictRotation = options.strictRotation ?? false;
    for (const app of options.apps ?? [SANDBOX_APP]) this.apps.set(app.clientId, app);
    for (const user of options.users ?? [SANDBOX_USER]) this.users.set(user.id, { ...user });
  }

  /** Every access token, refresh token and code issued so far (tests grep files and output for them). */
  issuedSecrets(): string[] {
    return [...this.handedOut];
  }

  /** Every token call so far, in order. */
  tokenCalls(): TokenCall[] {
    return this.calls.map((c) => ({ ...c }));
  }

  injectTokenFaults(...faults: TokenFault[]): void {
    this.faults.push(...faults);
  }

  /** A refresh token for a user, as IT would provision one (`signin --refresh-token`). */
  issueRefreshToken(userId = SANDBOX_USER.id, clientId = SANDBOX_APP.clientId): string {
    return this.newRefresh(userId, clientId).token;
  }

  /** Ends every grant of a user (an admin revoking the app): the next refresh gets 108. */
  revokeUser(userId: string): void {
    for (const record of this.refreshTokens.values())
      if (record.userId === userId) this.spend(record);
  }

  /** A one-time code for the authorize page's redirect. */
  issueCode(userId: string, clientId: string, redirectUri: string, challenge?: string): string {
    const code = randomBytes(24).toString('base64url');
    this.handedOut.push(code);
    this.codes.set(code, {
      userId,
      clientId,
      redirectUri,
      challenge,
      expiresAt: Date.now() + CODE_LIFETIME_MS,
    });
    return code;
  }

  /** The grant behind a Bearer token still valid now, or why not; using it spends what it replaced. */
  checkAccess(token: string): AccessGrant | 'expired' | 'unknown' {
    const grant = this.accessTokens.get(token);
    if (!grant || grant.family.spent) return 'unknown';
    if (grant.expiresAt <= Date.now()) return 'expired';
    this.used(grant.family);
    return grant;
  }

  /** `POST /oauth2/v0/token`, answered for the sandbox at `here`. */
  async token(req: IncomingMessage, res: ServerResponse, here: string): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const grant = form.get('grant_type') ?? '';
    const fault = this.faults.shift();
    if (fault && 'drop' in fault) {
      this.record(grant, here, 0);
      return void req.socket.destroy();
    }
    if (fault) {
      this.record(grant, here, fault.status);
      return json(res, fault.status, { error: 'server_error', error_description: 'Try later.' });
    }
    const answer = this.answer(form, grant, here);
    this.record(
      grant,
      here,
      answer.status,
      answer.status === 200 ? undefined : (answer as OAuth2Error).code,
    );
    const { status, ...body } = answer;
    json(res, status, body);
  }

  /** `DELETE /app-mgmt/v0/connections`: the caller's grant ends, refresh token included. */
  revoke(req: IncomingMessage, res: ServerResponse): void {
    const m = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const grant = m ? this.accessTokens.get(m[1]) : undefined;
    if (!grant || grant.family.spent || grant.expiresAt <= Date.now())
      return json(res, 401, { error: 'invalid_token', error_description: 'Token is invalid.' });
    for (let r: RefreshRecord | undefined = grant.family; r; r = r.previous) this.spend(r);
    res.writeHead(204).end();
  }

  private answer(
    form: URLSearchParams,
    grant: string,
    here: string,
  ): OAuth2Error | (Record<string, unknown> & { status: 200 }) {
    const app = this.apps.get(form.get('client_id') ?? '');
    if (!app || !safeEqual(app.clientSecret, form.get('client_secret') ?? ''))
      return oauthError(401, 1, 'invalid_client', 'Invalid client_id or client_secret.');
    let userId: string;
    let replaced: RefreshRecord | undefined;
    if (grant === 'password') {
      const username = form.get('username') ?? '';
      const user = [...this.users.values()].find((u) => u.username === username);
      const credtype = form.get('credtype') ?? 'password';
      if (!user) return oauthError(401, 19, 'invalid_grant', 'incorrect credentials.');
      if (user.locked) return oauthError(403, 14, 'invalid_grant', 'account is locked.');
      if (credtype !== 'password' || !safeEqual(user.password, form.get('password') ?? ''))
        return oauthError(401, 5, 'invalid_grant', 'incorrect credentials. Please retry.');
      if (this.elsewhere(here)) return this.livesElsewhere();
      userId = user.id;
    } else if (grant === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      if (!code || code.expiresAt <= Date.now() || code.clientId !== app.clientId)
        return oauthError(400, 103, 'invalid_grant', 'code is invalid or expired.');
      if (code.redirectUri !== (form.get('redirect_uri') ?? ''))
        return oauthError(400, 104, 'invalid_grant', 'redirect_uri does not match.');
      if (code.challenge && pkceChallenge(form.get('code_verifier') ?? '') !== code.challenge)
        return oauthError(400, 103, 'invalid_grant', 'code is invalid or expired.');
      if (this.elsewhere(here)) return this.livesElsewhere();
      this.codes.delete(form.get('code') ?? '');
      userId = code.userId;
    } else if (grant === 'refresh_token') {
      const record = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (
        !record ||
        record.spent ||
        record.expiresAt <= Date.now() ||
        record.clientId !== app.clientId
      )
        return oauthError(400, 108, 'invalid_grant', 'refresh token is invalid or expired.');
      if (this.elsewhere(here)) return this.livesElsewhere();
      if (this.strictRotation) this.spend(record);
      else {
        // Presented again before its successor was ever used: that answer was lost; withdraw it.
        if (record.next) this.spend(record.next);
        this.used(record);
      }
      userId = record.userId;
      replaced = record;
    } else {
      return oauthError(
        400,
        2,
        'unsupported_grant_type',
        `grant_type "${grant}" is not supported.`,
      );
    }
    const user = this.users.get(userId);
    if (user?.locked) return oauthError(403, 14, 'invalid_grant', 'account is locked.');
    const refresh = this.newRefresh(userId, app.clientId, replaced);
    const access = randomBytes(32).toString('base64url');
    this.handedOut.push(access);
    const expiresAt = Date.now() + this.tokenLifetimeS * 1000;
    this.accessTokens.set(access, { userId, expiresAt, family: refresh });
    refresh.accessTokens.push(access);
    return {
      status: 200,
      access_token: access,
      token_type: 'Bearer',
      expires_in: String(this.tokenLifetimeS), // a string, as Concur sends it
      refresh_token: refresh.token,
      refresh_expires_in: String(Math.floor((refresh.expiresAt - Date.now()) / 1000)),
      scope: 'openid receipts.write expense.report.readwrite',
      id_token: this.idToken(userId, app.clientId, here),
      geolocation: this.geolocation ?? here,
    };
  }

  private elsewhere(here: string): boolean {
    return this.geolocation !== undefined && this.geolocation !== here;
  }

  private livesElsewhere(): OAuth2Error {
    return {
      ...oauthError(400, 16, 'invalid_grant', 'user lives in a different geolocation.'),
      geolocation: this.geolocation,
    };
  }

  private newRefresh(userId: string, clientId: string, previous?: RefreshRecord): RefreshRecord {
    const record: RefreshRecord = {
      token: randomBytes(32).toString('base64url'),
      userId,
      clientId,
      expiresAt: Date.now() + SIX_MONTHS_S * 1000,
      spent: false,
      previous,
      accessTokens: [],
    };
    if (previous) previous.next = record;
    this.handedOut.push(record.token);
    this.refreshTokens.set(record.token, record);
    return record;
  }

  /** A record (or its access token) was used: what it replaced is spent for good. */
  private used(record: RefreshRecord): void {
    if (record.previous && !record.previous.spent) this.spend(record.previous);
  }

  private spend(record: RefreshRecord): void {
    record.spent = true;
    for (const token of record.accessTokens) this.accessTokens.delete(token);
  }

  private idToken(userId: string, clientId: string, issuer: string): string {
    const user = this.users.get(userId);
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const head = part({ alg: 'HS256', typ: 'JWT' });
    const body = part({
      iss: issuer,
      aud: clientId,
      sub: userId,
      name: user?.name,
      preferred_username: user?.username,
      iat: now,
      exp: now + this.tokenLifetimeS,
    });
    const signature = createHmac('sha256', this.signingKey)
      .update(`${head}.${body}`)
      .digest('base64url');
    return `${head}.${body}.${signature}`;
  }

  private record(grant: string, at: string, status: number, code?: number): void {
    this.calls.push({
      grant,
      at,
      status,
      ...(code !== undefined ? { code } : {}),
      time: Date.now(),
    });
  }
}

/** PKCE S256: base64url(SHA-256(verifier)). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function oauthError(status: number, code: number, error: string, description: string): OAuth2Error {
  return { status, code, error, error_description: description };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

const MAX_FORM_BYTES = 64 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('The form is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
