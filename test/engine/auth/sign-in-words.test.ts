import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauth2Account } from '../../../main/engine/auth/account-auth.js';
import { refusalMessage } from '../../../main/engine/auth/refusal-words.js';
import { signInWithBrowser, SignInRefused } from '../../../main/engine/auth/sign-in.js';
import { TokenUnavailable } from '../../../main/engine/auth/token-unavailable.js';
import { english, translator } from '../../../main/engine/i18n/translate.js';
import { OAuth2Authority } from '../../../main/sandbox/oauth2.js';
import { startSandbox, type Sandbox } from '../../../main/sandbox/sandbox.js';
import { memorySecrets } from './auth-harness.js';

// Concur's sign-in refusals reach a person in their language, in plain words,
// with Concur's own sentence kept in quotes; the English stays for the log.

const de = translator('de', 'de-DE');
const ja = translator('ja', 'ja-JP');
const APP = { clientId: 'words-app', clientSecret: 'words-secret' };
let sandbox: Sandbox;
let redirectUri: string;

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  redirectUri = `http://127.0.0.1:${(server.address() as { port: number }).port}/callback`;
  await new Promise((r) => server.close(r));
  sandbox = await startSandbox({
    oauth2: new OAuth2Authority({ apps: [{ ...APP, redirectUris: [redirectUri] }] }),
  });
});
afterAll(() => sandbox.close());

const account = () =>
  oauth2Account(
    { baseUrl: sandbox.url, authScheme: 'OAuth', oauth2: { ...APP, redirectUri, scope: 'openid' } },
    { keychain: memorySecrets(), env: { CONCUR_DROP_CLIENT_SECRET: APP.clientSecret } },
  );

/** A browser sign-in whose answer at the redirect URI is `query` (state added). */
async function signInAnswered(query: Record<string, string>): Promise<unknown> {
  let authorize = '';
  const settled = signInWithBrowser({
    account: account(),
    onUrl: (url) => (authorize = url),
    timeoutMs: 20_000,
  }).catch((error: unknown) => error);
  while (!authorize) await new Promise((r) => setTimeout(r, 10));
  const state = new URL(authorize).searchParams.get('state')!;
  await fetch(`${redirectUri}?${new URLSearchParams({ state, ...query })}`);
  return settled;
}

describe('sign-in refusals in the user’s language', () => {
  it('a spent refresh token: German and Japanese plain words, Concur’s sentence quoted', async () => {
    const { manager } = account();
    const error = await manager.useRefreshToken('not-a-refresh-token').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenUnavailable);
    const text = (error as TokenUnavailable).text!;
    expect(de.say(text)).toBe(
      'Concur verlangt eine neue Anmeldung: die Anmeldung ist abgelaufen oder wurde widerrufen. ' +
        'Concur schreibt: „refresh token is invalid or expired.“ (Code 108)',
    );
    expect(ja.say(text)).toContain('サインインの有効期限が切れたか、取り消されました');
    // The log and --json keep English, as before.
    expect((error as Error).message).toMatch(/^Concur asks to sign in again: .*\(code 108\)$/);
    const state = await manager.state();
    expect(de.say(state.problemText!)).toMatch(/^Concur verlangt eine neue Anmeldung/);
  });

  it('Concur refusing the code of a browser sign-in (expired), in German', async () => {
    const error = await signInAnswered({ cc: 'a-code-concur-never-gave' });
    expect(error).toBeInstanceOf(SignInRefused);
    expect(de.say((error as SignInRefused).text)).toBe(
      'Concur hat die Anmeldung abgelehnt: die Anmeldung hat zu lange gedauert oder wurde schon ' +
        'verwendet; melden Sie sich erneut an. Concur schreibt: „code is invalid or expired.“ (Code 103)',
    );
  });

  it('Concur saying no in the browser, its words quoted in German', async () => {
    const error = await signInAnswered({
      error: 'access_denied',
      error_description: 'The user denied access to the app.',
    });
    expect(de.say((error as SignInRefused).text)).toBe(
      'Concur hat Sie nicht angemeldet: „The user denied access to the app.“',
    );
    expect((error as Error).message).toBe(
      'Concur did not sign you in: The user denied access to the app.',
    );
  });

  it('names wrong credentials, a locked account and a redirect mismatch plainly', () => {
    const said = (code: number, description: string) =>
      de.say(refusalMessage('refused', { code, description }));
    expect(said(19, 'incorrect credentials.')).toMatch(/: Benutzername oder Passwort ist falsch\./);
    expect(said(14, 'account is locked.')).toMatch(/das Concur-Konto ist gesperrt/);
    expect(said(104, 'redirect_uri does not match.')).toMatch(/Weiterleitungsadresse/);
    expect(
      english.say(refusalMessage('refused', { code: 14, description: 'account is locked.' })),
    ).toBe(
      'Concur refused the sign-in: the Concur account is locked; ask your Concur administrator. ' +
        'Concur said: "account is locked." (code 14)',
    );
    // A code without plain words keeps Concur's sentence alone.
    expect(de.say(refusalMessage('refused', { code: 999, description: 'odd.' }))).toBe(
      'Concur hat die Anmeldung abgelehnt: „odd.“ (Code 999)',
    );
  });
});

/** The page the browser shows when the redirect brings `query`, asked in `accept`. */
async function pageFor(
  query: Record<string, string>,
  accept: string | undefined,
  language?: 'system' | 'de',
): Promise<string> {
  let authorize = '';
  const settled = signInWithBrowser({
    account: account(),
    onUrl: (url) => (authorize = url),
    timeoutMs: 20_000,
    language,
  }).catch((error: unknown) => error);
  while (!authorize) await new Promise((r) => setTimeout(r, 10));
  const state = new URL(authorize).searchParams.get('state')!;
  const page = await fetch(`${redirectUri}?${new URLSearchParams({ state, ...query })}`, {
    headers: accept ? { 'accept-language': accept } : {},
  }).then((r) => r.text());
  await settled;
  return page;
}

describe('the page the browser shows after the sign-in', () => {
  it('speaks the browser’s language (Accept-Language, by weight)', async () => {
    const page = await pageFor({ error: 'access_denied' }, 'xx;q=0.9, fr-CH;q=0.8, de;q=0.5');
    expect(page).toContain('<html lang="fr">');
    expect(page).toContain('<h1>Non connecté</h1>');
    expect(page).toContain('Concur indique : access_denied');
  });

  it('follows the language setting over the browser’s, and English without either', async () => {
    const german = await pageFor({}, 'ja-JP', 'de');
    expect(german).toContain('<h1>Anmeldung nicht angenommen</h1>');
    expect(german).toContain('Concur hat keinen Code gesendet.');
    const english = await pageFor({}, undefined, 'system');
    expect(english).toContain('<h1>Sign-in not accepted</h1>');
  });
});
