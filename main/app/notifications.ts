import { Notification } from 'electron';
import { createLogger } from '../engine/log/logger.js';
import { systemClock, type Clock } from '../engine/ports.js';
import {
  english,
  targetInSentence,
  type Message,
  type Translator,
} from '../engine/i18n/translate.js';
import { targetKey } from '../engine/routing/route.js';
import type { Job, PauseReason } from '../engine/types.js';
import type { ShellEngine } from './shell-engine.js';
import type { StatusWindow } from './window.js';

/**
 * Desktop notifications, kept few: uploads are gathered per target and burst
 * ("3 receipts uploaded to report Berlin trip"), each failure gets its own
 * with its reason, sign-in needed gets one until it is resolved, and nothing
 * is shown more often than every `minGapMs`. A click opens the window at the
 * job. Turned off by `settings.notifications`.
 */

const log = createLogger('notifications');

export interface NotificationOptions {
  /** Only the engine's events are needed. */
  engine: Pick<ShellEngine, 'on' | 'off'>;
  window: Pick<StatusWindow, 'show' | 'focusJob'>;
  /** Read on every flush, so turning the setting off takes effect at once. */
  enabled: () => boolean;
  /** The language to speak, read on every notification (the setting may change). */
  translator?: () => Translator;
  clock?: Clock;
  /** Quiet time that ends a burst. */
  burstMs?: number;
  /** Least time between two rounds of notifications. */
  minGapMs?: number;
  /** More than this many in one round collapse into one summary notification. */
  maxPerRound?: number;
}

interface Pending {
  uploads: Map<string, Job[]>;
  failures: Job[];
}

/** Listens to the engine and shows notifications; returns a stop function. */
export function setupNotifications(options: NotificationOptions): () => void {
  const { engine, window } = options;
  const clock = options.clock ?? systemClock;
  const burstMs = options.burstMs ?? 3000;
  const minGapMs = options.minGapMs ?? 10_000;
  const maxPerRound = options.maxPerRound ?? 3;
  const tr = () => options.translator?.() ?? english;

  let pending: Pending = { uploads: new Map(), failures: [] };
  /** Jobs already told about, so a later change of the same finished job says nothing. */
  const told = new Map<string, string>();
  let timer: unknown = null;
  let lastRoundAt = -Infinity;
  let signInShown = false;
  // Electron drops a notification's click handler when the object is collected.
  const live = new Set<Notification>();

  const show = (title: string, body: string, onClick: () => void) => {
    if (!Notification.isSupported()) return;
    const n = new Notification({ title, body, silent: false });
    live.add(n);
    n.on('click', () => {
      live.delete(n);
      onClick();
    });
    n.on('close', () => live.delete(n));
    n.show();
  };

  const schedule = () => {
    if (timer !== null) clock.clearTimeout(timer);
    const wait = Math.max(burstMs, lastRoundAt + minGapMs - clock.now());
    timer = clock.setTimeout(flush, wait);
  };

  function flush(): void {
    timer = null;
    const round = pending;
    pending = { uploads: new Map(), failures: [] };
    if (!options.enabled()) return;
    lastRoundAt = clock.now();

    const t = tr();
    const notes: { title: string; body: string; onClick: () => void }[] = [];
    for (const jobs of round.uploads.values()) notes.push(uploadNote(jobs, t));
    for (const job of round.failures) {
      notes.push({
        title: t.t('notify.failedTitle', { name: job.name }),
        body: job.error ? t.words(job.error.text, job.error.reason) : t.t('notify.failedBody'),
        onClick: () => window.focusJob(job.id),
      });
    }
    if (notes.length > maxPerRound) {
      const uploaded = [...round.uploads.values()].reduce((n, jobs) => n + jobs.length, 0);
      const parts = [];
      if (uploaded) parts.push(t.t('notify.uploaded', { count: uploaded }));
      if (round.failures.length) parts.push(t.t('notify.failed', { n: round.failures.length }));
      show('Concur Drop', t.t('notify.summary', { parts: parts.join(', ') }), () =>
        window.show('status'),
      );
      return;
    }
    for (const note of notes) show(note.title, note.body, note.onClick);
  }

  function uploadNote(jobs: Job[], t: Translator) {
    const last = jobs[jobs.length - 1];
    const where = last.target ? t.say(targetInSentence(last.target)) : t.t('notify.concur');
    const invoice = last.target?.kind === 'invoice';
    // Members of one merged PDF arrive together: say so once, not as separate receipts.
    const merged = last.batchSize && last.batchSize > 1 ? last.batchSize : 0;
    const mergedLine = merged ? ` ${t.t('row.merged', { count: merged })}.` : '';
    if (jobs.length === 1) {
      return {
        title: t.t(invoice ? 'notify.invoice' : 'notify.receipt'),
        body: t.t('notify.isIn', { name: last.name, where }) + mergedLine,
        onClick: () => window.focusJob(last.id),
      };
    }
    const names = jobs
      .slice(0, 3)
      .map((j) => j.name)
      .join(', ');
    const body =
      jobs.length > 3
        ? t.t('notify.namesMore', { names, n: jobs.length - 3 })
        : t.t('notify.names', { names });
    return {
      title: t.t(invoice ? 'notify.invoices' : 'notify.receipts', { n: jobs.length, where }),
      body: body + mergedLine,
      onClick: () => window.focusJob(last.id),
    };
  }

  const onJob = (job: Job) => {
    if (job.state !== 'uploaded' && job.state !== 'failed') {
      told.delete(job.id); // retried: its next outcome is news again
      return;
    }
    if (told.get(job.id) === job.state) return;
    told.set(job.id, job.state);
    if (told.size > 5000) told.delete(told.keys().next().value as string);
    if (!options.enabled()) return;
    if (job.state === 'uploaded') {
      const key = job.target ? targetKey(job.target) : 'unknown';
      const list = pending.uploads.get(key) ?? [];
      list.push(job);
      pending.uploads.set(key, list);
    } else {
      pending.failures.push(job);
    }
    schedule();
  };

  const onPaused = (reason: PauseReason, message: string, text?: Message) => {
    if (reason === 'disk-full' && options.enabled()) {
      show(tr().t('notify.diskFull'), tr().t('notify.diskFullBody'), () => window.show('status'));
      return;
    }
    if (reason !== 'sign-in' || signInShown || !options.enabled()) return;
    signInShown = true;
    log.info('sign-in needed: notifying');
    show(
      tr().t('notify.signIn'),
      (text && tr().say(text)) || message || tr().t('notify.signInBody'),
      () => window.show('settings'),
    );
  };
  const onResumed = () => {
    signInShown = false;
  };

  engine.on('job', onJob);
  engine.on('paused', onPaused);
  engine.on('resumed', onResumed);
  return () => {
    engine.off('job', onJob);
    engine.off('paused', onPaused);
    engine.off('resumed', onResumed);
    if (timer !== null) clock.clearTimeout(timer);
  };
}
