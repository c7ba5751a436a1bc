import { makeDoc, pageCuts, type Doc, type DocType } from './documents.js';
import type { ActionBody, OfficeAction } from './office-actions.js';
import { SeededRandom } from './seeded-random.js';
import { SIM_EPOCH } from './virtual-clock.js';
import { OUTSIDE_FILE, ROOTS } from './world.js';

/**
 * Plans a day in the office from a seed: `steps` stories (an arrival, a
 * scanner writing page by page, a temp file renamed into place, a replace, a
 * delete, a share that drops, an entry batch inside a backlog, a crash…),
 * each expanded into timed actions. The plan is a pure function of its
 * inputs, so a seed replays the same day.
 */

export interface OfficePlanOptions {
  seed: number;
  steps: number;
  /** The world plays Windows (case clashes and long paths are then worth trying). */
  windows: boolean;
  /** The engine's merge window: batch members arrive well within it. */
  batchWindowMs: number;
  /** Stories left out of the plan (e.g. faults an engine under test does not handle yet). */
  without?: ReadonlySet<Story>;
}

export const STORIES = {
  arrive: 30,
  'page-writer': 8,
  'temp-rename': 6,
  overwrite: 4,
  delete: 3,
  'rename-folder': 2,
  'share-drop': 2,
  unreadable: 2,
  'odd-name': 4,
  'same-content': 3,
  batch: 6,
  /**
   * Not a story of its own (weight 0, so it shifts no other seed's plan): some batches get
   * a scan that is no scan at all, and sometimes its fixed version later (`--without bad-batch`).
   */
  'bad-batch': 0,
  backlog: 3,
  held: 4,
  concur: 4,
  crash: 4,
  'disk-full': 2,
  'token-refused': 2,
} as const;

export type Story = keyof typeof STORIES;

const TYPES: DocType[] = ['pdf', 'jpeg', 'png'];
const EXT: Record<DocType, string> = { pdf: 'pdf', jpeg: 'jpg', png: 'png' };

export function planOffice(options: OfficePlanOptions): OfficeAction[] {
  const random = new SeededRandom(options.seed).fork('office');
  const faults = new SeededRandom(options.seed).fork('bad-batch');
  let oddDocs = 0;
  // Numbered apart from the office's own scans, in the form the checkers find in an image.
  const oddMarker = () => `simdoc-${options.seed}-${900_000 + ++oddDocs}x`;
  const weights: Partial<Record<Story, number>> = { ...STORIES };
  for (const story of options.without ?? []) delete weights[story];
  const actions: OfficeAction[] = [];
  let docs = 0;
  let names = 0;
  const written: { path: string; doc: Doc }[] = [];
  let now = SIM_EPOCH + 500;

  const add = (at: number, body: ActionBody) => actions.push({ at, ...body } as OfficeAction);
  const newDoc = (type: DocType = random.pick(TYPES)) =>
    makeDoc(type, `simdoc-${options.seed}-${++docs}x`, random);
  const root = () => random.pick(ROOTS);
  const folder = (): string => {
    switch (random.int(0, 5)) {
      case 0:
        return `report/Trip ${random.int(1, 3)} [RPT${random.int(1, 3)}]/`;
      case 1:
        return 'misc/';
      case 2:
        return `Team ${random.int(1, 2)}/2026/`;
      default:
        return '';
    }
  };
  const fileName = (doc: Doc, stem = 'scan') => `${stem}_${++names}.${EXT[doc.type]}`;
  const write = (at: number, path: string, doc: Doc, extra: Partial<ActionBody> = {}) => {
    add(at, { kind: 'write', path, doc, ...extra } as ActionBody);
    written.push({ path, doc });
  };
  const pages = (start: number, path: string, doc: Doc): number => {
    let at = start;
    for (const cut of pageCuts(doc, random.int(2, 6), random)) {
      add(at, { kind: 'append', path, doc, upTo: cut });
      at += random.int(50, 4000);
    }
    return at;
  };
  const batch = (at: number, base: string) => {
    const kind = random.chance(0.7) ? 'entry' : 'invoice';
    const id = `${kind === 'entry' ? 'ENT' : 'INV'}${options.seed}x${++names}`;
    const key = `${kind}:${id}`;
    const dir = `${base}/${kind}/Lunch ${names} [${id}]/`;
    const batchId = `${key}#1`;
    let t = at;
    for (let i = 0, n = random.int(2, 4); i < n; i++) {
      const doc = newDoc();
      write(t, `${dir}scan_${i}.${EXT[doc.type]}`, doc, { batch: { id: batchId, key } });
      t += random.int(0, Math.floor(options.batchWindowMs / 3));
    }
    // Drawn from their own stream: seeds without a bad batch keep the plan they always had.
    if (weights['bad-batch'] !== undefined && faults.chance(0.15)) {
      const path = `${dir}unusable_${names}.pdf`;
      const bad = oddMarker();
      write(t, path, { type: 'pdf', marker: bad, bytes: Buffer.from(`Total 12.50 EUR ${bad}\n`) });
      if (faults.chance(0.6)) {
        // Someone drops the fixed scan under the same name: the waiting batch goes with it.
        const fixed = makeDoc('pdf', oddMarker(), faults);
        const later = t + options.batchWindowMs * faults.int(2, 20);
        // Not a member in the checker's sense: another file may take that name first.
        write(later, path, fixed);
      }
    }
    if (random.chance(0.2)) {
      // A page found later, long after the entry got its image.
      const doc = newDoc();
      write(t + options.batchWindowMs * 20, `${dir}late_${names}.${EXT[doc.type]}`, doc, {
        batch: { id: `${key}#2`, key },
      });
    }
  };

  for (let step = 0; step < options.steps; step++) {
    now += random.chance(0.1) ? random.int(10_000, 90_000) : random.int(0, 3000);
    const story = random.weighted(weights);
    const base = root();
    switch (story) {
      case 'arrive': {
        const doc = newDoc();
        write(now, `${base}/${folder()}${fileName(doc)}`, doc);
        break;
      }
      case 'page-writer': {
        const doc = newDoc();
        const path = `${base}/${folder()}${fileName(doc, 'pages')}`;
        pages(now, path, doc);
        written.push({ path, doc });
        break;
      }
      case 'temp-rename': {
        const doc = newDoc();
        const replace = written.length > 0 && random.chance(0.4);
        const to = replace ? random.pick(written).path : `${base}/${folder()}${fileName(doc)}`;
        const temp = `${to.slice(0, to.lastIndexOf('/'))}/.${to.slice(to.lastIndexOf('/') + 1)}.tmp`;
        const end = random.chance(0.5) ? pages(now, temp, doc) : (write(now, temp, doc), now);
        add(end + random.int(0, 500), { kind: 'rename', from: temp, to });
        written.push({ path: to, doc });
        break;
      }
      case 'overwrite':
        add(now, { kind: 'overwrite', pick: random.next(), doc: newDoc() });
        break;
      case 'delete':
        add(now, { kind: 'delete', pick: random.next() });
        break;
      case 'rename-folder':
        add(now, {
          kind: 'rename-folder',
          root: base,
          pick: random.next(),
          newName: `Renamed ${++names}`,
        });
        break;
      case 'share-drop':
        add(now, { kind: 'offline', root: base });
        add(now + random.int(2000, 60_000), { kind: 'online', root: base });
        break;
      case 'unreadable':
        if (random.chance(0.7)) add(now, { kind: 'unreadable', pick: random.next() });
        else
          add(now, {
            kind: 'unreadable-folder',
            path: `${base}/Locked ${++names}`,
            doc: newDoc('pdf'),
          });
        break;
      case 'odd-name': {
        const doc = newDoc();
        const odd = random.int(0, options.windows ? 5 : 3);
        if (odd === 0) write(now, `${base}/Quittung Müller ${++names} 日本.${EXT[doc.type]}`, doc);
        else if (odd === 1)
          write(now, `${base}/bad\uFFFDname ${++names}.${EXT[doc.type]}`, doc, { badName: true });
        else if (odd === 2)
          add(now, {
            kind: 'symlink',
            path: `${base}/link_${++names}.pdf`,
            target: random.chance(0.5) ? OUTSIDE_FILE : `link_${names}.pdf`,
          });
        else if (odd === 3 && random.chance(0.5))
          write(now, `${base}/  spaced  name ${++names} .${EXT[doc.type]}`, doc);
        else if (odd === 3) write(now, `${base}/folder_${++names}.pdf/${fileName(doc)}`, doc);
        else if (odd === 4) {
          const deep = `${base}/${'Very long folder name for receipts '.repeat(5)}${++names}/`;
          write(now, `${deep}${'x'.repeat(Math.max(1, 255 - deep.length))}.${EXT[doc.type]}`, doc);
        } else {
          const earlier = written.length ? random.pick(written).path : `${base}/${fileName(doc)}`;
          const cut = earlier.lastIndexOf('/');
          write(now, earlier.slice(0, cut + 1) + earlier.slice(cut + 1).toUpperCase(), doc);
        }
        break;
      }
      case 'same-content': {
        const earlier = written.length ? random.pick(written).doc : newDoc();
        write(now, `${root()}/${folder()}copy_${++names}.${EXT[earlier.type]}`, earlier);
        break;
      }
      case 'batch':
        batch(now, base);
        break;
      case 'backlog': {
        const n = random.int(10, 30);
        const at = random.int(0, n - 1);
        for (let i = 0; i < n; i++) {
          if (i === at && random.chance(0.6)) batch(now, base);
          const doc = newDoc();
          write(now, `${base}/${fileName(doc, 'backlog')}`, doc);
        }
        break;
      }
      case 'held': {
        const doc = newDoc();
        const path = `${base}/${folder()}${fileName(doc)}`;
        write(now, path, doc, { hold: random.chance(0.5) ? 'EBUSY' : 'EPERM' });
        add(now + random.int(200, 20_000), { kind: 'release', path });
        break;
      }
      case 'concur':
        add(now, { kind: 'concur', mix: random.chance(0.7) ? 'flaky' : 'outage' });
        add(now + random.int(5000, 180_000), { kind: 'concur', mix: 'calm' });
        break;
      case 'crash':
        add(now, { kind: 'crash' });
        add(now + random.int(0, 5000), { kind: 'restart' });
        break;
      case 'disk-full':
        add(now, { kind: 'disk-full' });
        add(now + random.int(2000, 60_000), { kind: 'disk-free' });
        break;
      case 'token-refused':
        add(now, { kind: 'token-refused' });
        add(now + random.int(2000, 60_000), { kind: 'new-token' });
        break;
    }
  }
  const last = actions.reduce((m, a) => Math.max(m, a.at), now);
  add(last + 1, { kind: 'all-clear' });
  // Stable: actions at one moment keep the order they were planned in.
  return actions
    .map((a, i) => ({ a, i }))
    .sort((x, y) => x.a.at - y.a.at || x.i - y.i)
    .map((x) => x.a);
}
