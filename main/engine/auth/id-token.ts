/**
 * Who signed in, read from the `id_token` Concur returns with the tokens (a
 * JWT whose `sub` is the user id). The token came straight from Concur's
 * token endpoint over TLS, so its claims are read, not verified: they only
 * say whose name to show.
 */

/** The claims Concur Drop shows. */
export interface IdentityClaims {
  /** Concur's user id. */
  userId: string;
  /** A name to show, when the token carries one. */
  name?: string;
}

/** The identity in an id_token, or undefined when it is not a JWT with a `sub`. */
export function readIdToken(jwt: string): IdentityClaims | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
  if (typeof claims.sub !== 'string' || !claims.sub) return undefined;
  const name = [claims.name, claims.preferred_username, claims.email].find(
    (v): v is string => typeof v === 'string' && v.trim() !== '',
  );
  return { userId: claims.sub.slice(0, 200), ...(name ? { name: name.slice(0, 200) } : {}) };
}
