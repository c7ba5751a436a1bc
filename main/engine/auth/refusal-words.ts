import { msg, type Message } from '../i18n/translate.js';

/**
 * Concur's numbered token refusals (docs/architecture.md#signing-in-to-concur)
 * in plain words, with Concur's own sentence kept beside them in quotes: its
 * wording changes and is English only, the code does not.
 */
const PLAIN: Record<number, string> = {
  1: 'auth.why.client',
  5: 'auth.why.credentials',
  19: 'auth.why.credentials',
  14: 'auth.why.locked',
  103: 'auth.why.codeExpired',
  104: 'auth.why.redirect',
  108: 'auth.why.refreshExpired',
};

const FRAMES = {
  refused: { said: 'auth.refused', code: 'auth.refusedCode', why: 'auth.refusedWhy' },
  signInAgain: {
    said: 'auth.signInAgain',
    code: 'auth.signInAgainCode',
    why: 'auth.signInAgainWhy',
  },
} as const;

/** "Concur refused the sign-in: the account is locked…", from Concur's answer. */
export function refusalMessage(
  frame: keyof typeof FRAMES,
  answer: { code?: number; description: string },
): Message {
  const keys = FRAMES[frame];
  const { code, description: said } = answer;
  if (code === undefined) return msg(keys.said, { said });
  const plain = PLAIN[code];
  return plain ? msg(keys.why, { why: msg(plain), said, code }) : msg(keys.code, { said, code });
}
