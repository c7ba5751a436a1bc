import type { Message } from '../i18n/translate.js';

/**
 * Why there is no access token for an upload (docs/architecture.md#signing-in-to-concur):
 * sign-in is needed (the upload is held, nothing fails), or the sign-in
 * service could not be reached (the upload backs off like any transient failure).
 */
export class TokenUnavailable extends Error {
  constructor(
    message: string,
    /** True when trying later may work; false when someone has to sign in. */
    readonly transient: boolean,
    readonly retryAfterMs?: number,
    /** `message` as a catalog key, for the user's language. */
    readonly text?: Message,
  ) {
    super(message);
    this.name = 'TokenUnavailable';
  }
}
