import { afterEach, describe, expect, it } from 'vitest';
import { pkceChallenge, SANDBOX_APP, SANDBOX_USER } from '../../main/sandbox/oauth2.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';

const open: Sandbox[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function sandbox(options: Parameters<typeof startSandbox>[0] = {}): Promise<Sandbox> {
  const s = await startSandbox(options);
  open.push(s);
  return s;
}

const app = { client_id: SANDBOX_APP.clientId, client_secret: SANDBOX_APP.clientSecret };

async function token(base: string, form: Record<string, string>) {
  const res = await fetch(`${base}/oauth2/v0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const upload = (base: string, accessToken: string) =>
  fetch(`${base}/api/image/v1.0/receipt`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'image/jpeg' },
    body: jpeg(1500),
  });

const password = (base: string, extra: Record<string, string> = {}) =>
  token(base, {
    ...app,
    grant_type: 'password',
    username: SANDBOX_USER.username,
    password: SANDBOX_USER.password,
    credtype: 'password',
    ...extra,
  });

describe('the sandbox token endpoint', () => {
  it('answers a password grant as Concur does: string expires_in, id_token naming the user, geolocation', async () => {
    const s = await sandbox();
    const { status, body } = await password(s.url);
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe('3600');
    expect(body.geolocation).toBe(s.url);
    const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url').toString());
    expect(claims.sub).toBe(SANDBOX_USER.id);
    expect((await upload(s.url, body.access_token)).status).toBe(201);
    expect(s.received()[0].userId).toBe(SANDBOX_USER.id);
  });

  it("refuses with Concur's numbered errors", async () => {
    const s = await sandbox();
    expect((await password(s.url, { password: 'wrong' })).body).toMatchObject({ code: 5 });
    expect((await password(s.url, { username: 'nobody@example.com' })).body).toMatchObject({
      code: 19,
    });
    [...s.oauth2.users.values()][0].locked = true;
    expect((await password(s.url)).body).toMatchObject({ code: 14, error: 'invalid_grant' });
    expect(
      (await token(s.url, { ...app, grant_type: 'refresh_token', refresh_token: 'x' })).body,
    ).toMatchObject({ code: 108 });
    expect(
      (await token(s.url, { ...app, grant_type: 'authorization_code', code: 'x' })).body,
    ).toMatchObject({ code: 103 });
    const bad = await token(s.url, { ...app, client_secret: 'no', grant_type: 'password' });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
  });

  it('spends a refresh token once what replaced it was used, and answers a lost answer again', async () => {
    const s = await sandbox();
    const first = s.oauth2.issueRefreshToken();
    const refresh = (rt: string) =>
      token(s.url, { ...app, grant_type: 'refresh_token', refresh_token: rt });
    const a = await refresh(first);
    expect(a.status).toBe(200);
    expect(a.body.refresh_token).not.toBe(first);
    // The answer never arrived (a crash before it was stored): the same token works once more.
    const again = await refresh(first);
    expect(again.status).toBe(200);
    expect((await upload(s.url, a.body.access_token)).status).toBe(403); // withdrawn
    expect((await upload(s.url, again.body.access_token)).status).toBe(201);
    expect((await refresh(first)).body).toMatchObject({ code: 108 });
    expect((await refresh(a.body.refresh_token)).body).toMatchObject({ code: 108 });
    expect((await refresh(again.body.refresh_token)).status).toBe(200);
  });

  it('with strict rotation spends a refresh token the moment it is used: a lost answer is lost', async () => {
    const s = await sandbox({ strictRotation: true });
    const first = s.oauth2.issueRefreshToken();
    const refresh = (rt: string) =>
      token(s.url, { ...app, grant_type: 'refresh_token', refresh_token: rt });
    const a = await refresh(first);
    expect(a.status).toBe(200);
    expect((await refresh(first)).body).toMatchObject({ code: 108 });
    // The pair that did arrive is good, and its refresh token in turn is spent on use.
    expect((await upload(s.url, a.body.access_token)).status).toBe(201);
    const b = await refresh(a.body.refresh_token);
    expect(b.status).toBe(200);
    expect((await refresh(a.body.refresh_token)).body).toMatchObject({ code: 108 });
  });

  it('expires access tokens after the token lifetime and counts uploads refused for it', async () => {
    const s = await sandbox({ tokenLifetimeS: 1 });
    const { body } = await password(s.url);
    expect(body.expires_in).toBe('1');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await upload(s.url, body.access_token)).status).toBe(401);
    expect(s.expiredRefusals()).toBe(1);
  });

  it('sends users to their geolocation with code 16 and serves them there', async () => {
    const home = await sandbox();
    const there = await sandbox({ oauth2: home.oauth2 });
    home.oauth2.geolocation = there.url;
    const wrong = await password(home.url);
    expect(wrong.body).toMatchObject({ code: 16, geolocation: there.url });
    const right = await password(there.url);
    expect(right.body.geolocation).toBe(there.url);
    expect(home.oauth2.tokenCalls().map((c) => c.at)).toEqual([home.url, there.url]);
  });

  it('revokes the connection: access and refresh token stop working', async () => {
    const s = await sandbox();
    const { body } = await password(s.url);
    const res = await fetch(`${s.url}/app-mgmt/v0/connections`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(res.status).toBe(204);
    expect((await upload(s.url, body.access_token)).status).toBe(403);
    expect(
      (
        await token(s.url, {
          ...app,
          grant_type: 'refresh_token',
          refresh_token: body.refresh_token,
        })
      ).body,
    ).toMatchObject({ code: 108 });
  });
});

describe('the sandbox sign-in page', () => {
  const query = (extra: Record<string, string> = {}) =>
    new URLSearchParams({
      client_id: SANDBOX_APP.clientId,
      redirect_uri: SANDBOX_APP.redirectUris[0],
      response_type: 'code',
      scope: 'openid',
      state: 'st-1',
      ...extra,
    });

  it('redirects Allow with cc, geolocation and state; the code is good once, with its PKCE verifier', async () => {
    const s = await sandbox();
    const verifier = 'v'.repeat(50);
    const q = query({ code_challenge: pkceChallenge(verifier), code_challenge_method: 'S256' });
    expect((await fetch(`${s.url}/oauth2/v0/authorize?${q}`)).status).toBe(200);
    const res = await fetch(`${s.url}/oauth2/v0/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...Object.fromEntries(q),
        username: SANDBOX_USER.username,
        password: SANDBOX_USER.password,
        decision: 'allow',
      }),
    });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin + to.pathname).toBe(SANDBOX_APP.redirectUris[0]);
    expect(to.searchParams.get('state')).toBe('st-1');
    expect(to.searchParams.get('geolocation')).toBe(s.url);
    const code = to.searchParams.get('cc')!;
    const exchange = (v: string) =>
      token(s.url, {
        ...app,
        grant_type: 'authorization_code',
        code,
        redirect_uri: SANDBOX_APP.redirectUris[0],
        code_verifier: v,
      });
    expect((await exchange('w'.repeat(50))).body).toMatchObject({ code: 103 });
    expect((await exchange(verifier)).status).toBe(200);
    expect((await exchange(verifier)).body).toMatchObject({ code: 103 });
  });

  it('redirects Deny with error_code and error_description', async () => {
    const s = await sandbox();
    const res = await fetch(`${s.url}/oauth2/v0/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(query()), decision: 'deny' }),
    });
    const to = new URL(res.headers.get('location')!);
    expect(to.searchParams.get('error_code')).toBe('access_denied');
    expect(to.searchParams.get('error_description')).toMatch(/denied/);
    expect(to.searchParams.has('cc')).toBe(false);
  });

  it('never redirects to an address the app did not register', async () => {
    const s = await sandbox();
    const res = await fetch(
      `${s.url}/oauth2/v0/authorize?${query({ redirect_uri: 'http://127.0.0.1:1/evil' })}`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/redirect address/);
  });
});
