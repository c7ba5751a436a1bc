import { describe, expect, it } from 'vitest';
import { english, translator, type Message } from '../../main/engine/i18n/translate.js';
import type { EngineJob } from '../../main/engine/job-book.js';
import { waitingFor } from '../../main/engine/stages/collecting.js';

// Words that came with sign-in, company networks, scans and the forgiving batch go
// through the catalogs like the rest: the same English as before, and German for a German user.

const de = translator('de', 'de-DE');
const holder = (code: string) =>
  ({ name: 'scan_2.pdf', error: { code, reason: '', retryable: false } }) as unknown as EngineJob;

describe('the forgiving batch in other languages', () => {
  it('says which file the others wait for, and why, in English and German', () => {
    const waits = waitingFor(holder('encrypted'));
    expect(waits.detail).toBe('waiting for scan_2.pdf (password protected)');
    expect(de.say(waits.detailText)).toBe('wartet auf scan_2.pdf (passwortgeschützt)');
    expect(english.say(waitingFor(holder('something-else')).detailText)).toBe(
      'waiting for scan_2.pdf (it could not be used)',
    );
  });
});

describe("a prepared scan's note", () => {
  it('words sizes in the locale and counts blank pages with plural forms', () => {
    const shrunk: Message = {
      key: 'prep.shrunk',
      params: {
        from: { key: 'size.mb', params: { n: 24.1 } },
        to: { key: 'size.mb', params: { n: 8.7 } },
      },
    };
    expect(english.say(shrunk)).toBe('shrunk from 24.1 MB to 8.7 MB');
    expect(de.say(shrunk)).toBe('verkleinert von 24,1 MB auf 8,7 MB');
    expect(de.say({ key: 'prep.blankDropped', params: { count: 1 } })).toBe(
      '1 leere Seite weggelassen',
    );
    expect(english.say({ key: 'prep.blankDropped', params: { count: 2 } })).toBe(
      '2 blank pages dropped',
    );
  });
});
