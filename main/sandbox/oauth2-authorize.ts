import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, type OAuth2Authority } from './oauth2.js';

/**
 * The sandbox's sign-in page (`/oauth2/v0/authorize`): what the user sees in
 * the browser in place of Concur's. Allow redirects to the app with `cc` (the
 * code, named as Concur names it) and `geolocation`; Deny, with `error_code`
 * and `error_description`. A client or redirect URI it does not know gets a
 * page, never a redirect: an unregistered address must not receive anything.
 */

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The query parameters the page carries through its form. */
const CARRIED = [
  'client_id',
  'redirect_uri',
  'scope',
  'response_type',
  'state',
  'code_challenge',
  'code_challenge_method',
] as const;

function page(res: ServerResponse, status: number, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to SAP Concur (sandbox)</title>
<style>body{font:15px system-ui,sans-serif;max-width:26em;margin:3em auto;color:#222}label{display:block;margin:.8em 0}input{width:100%;padding:.4em}button{padding:.5em 1.4em;margin-right:.6em}.error{color:#a00}</style></head><body>${body}</body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    // No form-action: Chromium applies it to the redirect that follows Allow, to the app's address.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'cache-control': 'no-store',
  });
  res.end(html);
}

function form(params: URLSearchParams, appName: string, username: string, error = ''): string {
  const hidden = CARRIED.map(
    (k) => `<input type="hidden" name="${k}" value="${escape(params.get(k) ?? '')}">`,
  ).join('');
  return `<h1>Sign in to SAP Concur</h1><p>The app <b>${escape(appName)}</b> asks to upload receipt images for you.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/oauth2/v0/authorize">${hidden}
<label>User name <input name="username" autocomplete="username" value="${escape(username)}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<p><small>Sandbox: any user it knows, e.g. alice@example.com / sandbox.</small></p>
<button name="decision" value="allow" type="submit">Allow</button><button name="decision" value="deny" type="submit">Deny</button>
</form>`;
}

function redirect(res: ServerResponse, to: URL): void {
  res.writeHead(302, { location: to.href, 'cache-control': 'no-store' }).end();
}

/** GET shows the page, POST answers Allow or Deny. */
export async function authorize(
  req: IncomingMessage,
  res: ServerResponse,
  authority: OAuth2Authority,
  here: string,
): Promise<void> {
  const params =
    req.method === 'POST'
      ? new URLSearchParams(await readBody(req))
      : new URL(req.url ?? '/', here).searchParams;
  const app = authority.apps.get(params.get('client_id') ?? '');
  const redirectUri = params.get('redirect_uri') ?? '';
  if (!app) return page(res, 400, '<h1>Unknown app</h1><p>This client_id is not registered.</p>');
  if (!app.redirectUris.includes(redirectUri))
    return page(
      res,
      400,
      '<h1>Wrong redirect address</h1><p>The redirect_uri is not registered for this app.</p>',
    );
  if (params.get('response_type') !== 'code')
    return page(res, 400, '<h1>Unsupported request</h1><p>response_type must be code.</p>');
  if (req.method !== 'POST') return page(res, 200, form(params, app.clientId, ''));

  const back = new URL(redirectUri);
  const state = params.get('state');
  if (params.get('decision') !== 'allow') {
    back.searchParams.set('error_code', 'access_denied');
    back.searchParams.set('error_description', 'The user denied access to the app.');
    if (state !== null) back.searchParams.set('state', state);
    return redirect(res, back);
  }
  const username = params.get('username') ?? '';
  const user = [...authority.users.values()].find((u) => u.username === username);
  if (!user || user.password !== (params.get('password') ?? ''))
    return page(res, 200, form(params, app.clientId, username, 'Incorrect user name or password.'));
  if (user.locked)
    return page(res, 200, form(params, app.clientId, username, 'This account is locked.'));
  const challenge =
    params.get('code_challenge_method') === 'S256'
      ? params.get('code_challenge') || undefined
      : undefined;
  back.searchParams.set('cc', authority.issueCode(user.id, app.clientId, redirectUri, challenge));
  back.searchParams.set('geolocation', authority.geolocation ?? here);
  if (state !== null) back.searchParams.set('state', state);
  redirect(res, back);
}
