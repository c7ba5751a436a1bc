import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { setupNotifications } from '../../main/app/notifications.js';
import { translator } from '../../main/engine/i18n/translate.js';
import { fake, FakeNotification } from './fake-electron.js';
import { engineEvents, job, ManualClock } from './helpers.js';

const berlin = { kind: 'report' as const, id: 'A2C40CEE415B43B2A0BE', label: 'Berlin trip' };

let clock: ManualClock;
let events: ReturnType<typeof engineEvents>;
let enabled: boolean;
let opened: { jobId?: string; view?: string }[];
let stop: () => void;

beforeEach(() => {
  fake.reset();
  clock = new ManualClock();
  events = engineEvents();
  enabled = true;
  opened = [];
  stop = setupNotifications({
    engine: events,
    window: {
      show: (view) => opened.push({ view }),
      focusJob: (jobId) => opened.push({ jobId }),
    },
    enabled: () => enabled,
    clock,
    burstMs: 3000,
    minGapMs: 10_000,
  });
});
afterEach(() => stop());

const shown = () => fake.notifications.map((n) => ({ title: n.title, body: n.body }));

describe('notifications', () => {
  test('a burst of uploads to one report becomes one notification', () => {
    for (let i = 0; i < 3; i++) {
      events.emit('job', job({ state: 'uploading', target: berlin }));
    }
    const jobs = [1, 2, 3].map((i) => job({ name: `taxi-${i}.jpg`, target: berlin }));
    for (const j of jobs) {
      events.emit('job', j);
      clock.advance(1000);
    }
    expect(shown()).toEqual([]); // still inside the burst
    clock.advance(3000);
    expect(shown()).toEqual([
      {
        title: '3 receipts uploaded to report Berlin trip',
        body: 'taxi-1.jpg, taxi-2.jpg, taxi-3.jpg.',
      },
    ]);
  });

  test('the scans of one merged PDF say they were merged, with the entry’s full id', () => {
    const taxi = { kind: 'entry' as const, id: 'DEMO-ENTRY-0001', label: 'Taxi' };
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg'])
      events.emit('job', job({ name, target: taxi, batchId: 'b1', batchSize: 3 }));
    clock.advance(3000);
    expect(shown()).toEqual([
      {
        title: '3 receipts uploaded to entry Taxi [DEMO-ENTRY-0001]',
        body: 'a.jpg, b.jpg, c.jpg. 3 scans merged into one PDF.',
      },
    ]);
  });

  test('speaks the language it is given', () => {
    stop();
    stop = setupNotifications({
      engine: events,
      window: { show: () => undefined, focusJob: () => undefined },
      enabled: () => true,
      clock,
      burstMs: 3000,
      minGapMs: 10_000,
      translator: () => translator('ja', 'ja-JP'),
    });
    events.emit('job', job({ name: 'lunch.pdf', target: { kind: 'receipt' } }));
    clock.advance(3000);
    expect(shown()).toEqual([
      { title: '領収書をアップロードしました', body: 'lunch.pdf は領収書ストアにあります。' },
    ]);
  });

  test('a single upload says "Receipt uploaded" and where it went', () => {
    events.emit('job', job({ name: 'lunch.pdf', target: { kind: 'receipt' } }));
    clock.advance(3000);
    expect(shown()).toEqual([
      { title: 'Receipt uploaded', body: 'lunch.pdf is in the receipt store.' },
    ]);
  });

  test('uploads to different targets get one notification each', () => {
    events.emit('job', job({ target: berlin }));
    events.emit('job', job({ target: berlin }));
    events.emit('job', job({ target: { kind: 'receipt' } }));
    clock.advance(3000);
    expect(shown().map((n) => n.title)).toEqual([
      '2 receipts uploaded to report Berlin trip',
      'Receipt uploaded',
    ]);
  });

  test('a later burst waits for the throttle gap instead of popping up at once', () => {
    events.emit('job', job());
    clock.advance(3000);
    expect(fake.notifications).toHaveLength(1);
    events.emit('job', job());
    clock.advance(3000);
    expect(fake.notifications).toHaveLength(1); // only 3 s after the last round
    clock.advance(6999);
    expect(fake.notifications).toHaveLength(1);
    clock.advance(1); // 10 s after the last round
    expect(fake.notifications).toHaveLength(2);
  });

  test('each failure is told with its reason', () => {
    events.emit(
      'job',
      job({
        name: 'scan.gif',
        state: 'failed',
        error: { reason: 'Concur takes PDF, JPEG or PNG; this is a GIF image.', retryable: false },
      }),
    );
    events.emit(
      'job',
      job({
        name: 'big.pdf',
        state: 'failed',
        error: { reason: 'The file is larger than 10 MB.', retryable: false },
      }),
    );
    clock.advance(3000);
    expect(shown()).toEqual([
      {
        title: 'Upload failed: scan.gif',
        body: 'Concur takes PDF, JPEG or PNG; this is a GIF image.',
      },
      { title: 'Upload failed: big.pdf', body: 'The file is larger than 10 MB.' },
    ]);
  });

  test('a flood collapses into one summary notification', () => {
    for (let i = 0; i < 4; i++)
      events.emit('job', job({ target: { kind: 'report', id: `R${i}` } }));
    events.emit('job', job({ state: 'failed', error: { reason: 'x', retryable: false } }));
    clock.advance(3000);
    expect(shown()).toEqual([
      { title: 'Concur Drop', body: '4 scans uploaded, 1 failed. Open Concur Drop for details.' },
    ]);
  });

  test('the same finished job is told once, but again after a retry', () => {
    const j = job({ state: 'failed', error: { reason: 'Concur is down.', retryable: true } });
    events.emit('job', j);
    events.emit('job', { ...j, finalPath: '/x' });
    clock.advance(3000);
    expect(fake.notifications).toHaveLength(1);
    events.emit('job', { ...j, state: 'queued' });
    events.emit('job', { ...j, state: 'uploaded' });
    clock.advance(20_000);
    expect(fake.notifications.map((n) => n.title)).toEqual([
      'Upload failed: ' + j.name,
      'Receipt uploaded',
    ]);
  });

  test('clicking a notification opens the window at that job', () => {
    const j = job({ name: 'hotel.pdf' });
    events.emit('job', j);
    clock.advance(3000);
    (fake.notifications[0] as FakeNotification).click();
    expect(opened).toEqual([{ jobId: j.id }]);
  });

  test('sign-in needed is told once until uploads resume, and opens Settings', () => {
    events.emit(
      'paused',
      'sign-in',
      'Concur refused the token (403). Enter a new one in Settings.',
    );
    events.emit('paused', 'sign-in', 'again');
    expect(shown()).toEqual([
      {
        title: 'Sign-in needed',
        body: 'Concur refused the token (403). Enter a new one in Settings.',
      },
    ]);
    fake.notifications[0].click();
    expect(opened).toEqual([{ view: 'settings' }]);
    events.emit('resumed');
    events.emit('paused', 'sign-in', 'refused again');
    expect(fake.notifications).toHaveLength(2);
  });

  test('a user pause is not a notification', () => {
    events.emit('paused', 'user', 'Paused by you');
    expect(fake.notifications).toHaveLength(0);
  });

  test('with notifications turned off in settings, nothing is shown', () => {
    enabled = false;
    events.emit('job', job());
    events.emit('job', job({ state: 'failed', error: { reason: 'x', retryable: false } }));
    events.emit('paused', 'sign-in', 'refused');
    clock.advance(60_000);
    expect(fake.notifications).toHaveLength(0);
  });

  test('turning notifications off drops a burst already gathered', () => {
    events.emit('job', job());
    enabled = false;
    clock.advance(3000);
    expect(fake.notifications).toHaveLength(0);
  });

  test('where the OS has no notifications, nothing breaks', () => {
    FakeNotification.supported = false;
    events.emit('job', job());
    clock.advance(3000);
    expect(fake.notifications).toHaveLength(0);
  });
});
