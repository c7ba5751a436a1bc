import type { Message } from '../i18n/translate.js';
/**
 * What the runner must do after a transition: the reducer's output. Effects
 * are carried out in order, after the new phase is durable in the ledger.
 */
export type Effect =
  /** Watch the file until it is still and complete (readiness). */
  | { kind: 'await-ready' }
  /** Route, type-check and hash it. */
  | { kind: 'inspect' }
  /** Convert, shrink or split it into the parts Concur gets (a worker). */
  | { kind: 'prepare' }
  /** Add it to its entry's or invoice's merge window. */
  | { kind: 'collect' }
  /** Hand a single-file upload to the queue. */
  | { kind: 'enqueue'; notBefore?: number }
  /** Take it out of every waiting place (readiness, merge window, queue, copies). */
  | { kind: 'leave-waits' }
  /** Move, keep or delete its file according to how it ended. */
  | { kind: 'finish' }
  /** Jobs of the same content that waited for this one decide now. */
  | { kind: 'release-copies' }
  /** Hold every upload: Concur refused the token. */
  | { kind: 'hold-for-sign-in'; message: string; text?: Message };
