import { english, msg, type Message } from '../i18n/translate.js';
/**
 * How long to wait before the next upload attempt (docs/architecture.md#from-file-to-concur): exponential
 * from `baseMs`, doubling to `maxMs`, with "equal jitter" so a fleet of office
 * PCs that lost the network together does not hammer Concur in lockstep, yet
 * never retries sooner than half the exponential step.
 */

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** Attempts in all, the first one included. */
  tries: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 300_000, tries: 8 };

/** A Retry-After longer than this is treated as this (a misconfigured proxy must not park uploads for days). */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Delay before attempt `attempt + 1`, after `attempt` attempts (1-based) failed transiently. */
export function retryDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(step / 2 + random() * (step / 2));
  // Concur (or a proxy in front of it) said how long to wait: honour it when it is the longer wait.
  const told = retryAfterMs && retryAfterMs > 0 ? Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) : 0;
  return Math.max(jittered, told);
}

/** "retrying in 8 s (attempt 3 of 8)" — what a job shows while it backs off. */
export function retryNote(delayMs: number, nextAttempt: number, tries: number): Message {
  const s = Math.max(1, Math.round(delayMs / 1000));
  const when =
    s < 120
      ? msg('duration.seconds', { n: s })
      : msg('duration.minutes', { n: Math.round(s / 60) });
  return msg('detail.retrying', { when, attempt: nextAttempt, tries });
}

/** The same in English, for logs and `--json`. */
export function describeRetry(delayMs: number, nextAttempt: number, tries: number): string {
  return english.say(retryNote(delayMs, nextAttempt, tries));
}
