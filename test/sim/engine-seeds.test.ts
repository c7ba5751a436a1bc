import { describe, expect, it } from 'vitest';
import type { Job } from '../../main/engine/types.js';
import type { SimEngineFactory } from '../../sim/engine-port.js';
import { simEngine } from '../../sim/engine.js';
import { simulate } from '../../sim/simulate.js';

/**
 * Seeds of `npm run sim` that once found a defect in the real engine, each
 * replayed whole (100 steps unless said, as `npm run sim -- --seed S` plays it). A seed
 * tells its story only as long as the office and the engine make the same
 * choices, so each comment says what broke, for whoever must find it anew.
 */
const SEEDS: { seed: number; steps?: number; broke: string }[] = [
  {
    seed: 11,
    broke:
      'a restart while the data disk was full never finished starting: recovering the last ' +
      "run's jobs waited for ledger writes that wait for space",
  },
  {
    seed: 21,
    broke:
      'a batch member deleted after its merge window closed failed the whole invoice: the ' +
      "merge's ENOENT was taken for a file that cannot be merged, and the others went to Failed/",
  },
  {
    seed: 153,
    broke:
      "a page writer's file was uploaded twice: a readiness verdict that came after the job " +
      'had moved on to uploading took it back to inspecting, and it was sent again',
  },
  {
    seed: 58,
    broke:
      'files whose share dropped stayed "unreachable" after it came back: being found there ' +
      'again re-armed readiness, but nothing took the job back to settling',
  },
  {
    seed: 113,
    broke:
      'a file deleted while its share was offline stayed "waiting" after the share came back: ' +
      'no event says a file is missing, and nothing else looked',
  },
  {
    seed: 187,
    broke:
      "a batch member overwritten after its entry's image may have landed was moved to " +
      'Uploaded/ unsent: "already has an image" was taken as its own earlier upload, though ' +
      'only its old version had gone',
  },
  {
    seed: 60,
    broke:
      'a member that changed as its merge window closed was queued anyway, uninspected: it ' +
      'went out with no hash, so its lost answer could not be matched later and the whole ' +
      'invoice ended in Failed/ though Concur held its image',
  },
  {
    seed: 383,
    broke:
      'a late file merged with batch-mates whose upload may have landed was moved to ' +
      'Uploaded/ unsent: Concur\'s "already has an image" was the earlier PDF, without it',
  },
  {
    seed: 227,
    broke:
      "a batch re-queued by its first member's answer ran again while the other answers " +
      'still waited on a full disk: the first member went alone and the rest stayed backing ' +
      'off for ever, `--once` never ending',
  },
  {
    seed: 597,
    broke:
      'a member saved over with new bytes during its merge failed the whole entry as ' +
      'unmergeable ("SOI not found"), though only its new version was unknown',
  },
  {
    seed: 982,
    steps: 30,
    broke:
      'a late file for an invoice whose earlier upload had given up, answer lost, was moved ' +
      'to Uploaded/ unsent: its own lost answer and Concur\'s "already has an image" were ' +
      'taken as its own upload having landed',
  },
  {
    seed: 584,
    broke:
      'a restart on a full data disk threw ENOSPC: the ledger was due for compaction at open ' +
      'and could not rewrite its journal, though the journal was sound as it was',
  },
  {
    seed: 2033,
    broke:
      "an entry's file that landed before a crash, answer lost, was then saved over; its new " +
      'version and a batch-mate went up, lost their answer too, and Concur\'s "already has an ' +
      'image" moved both to Uploaded/ unsent: the mark of what may have landed did not say ' +
      'which version',
  },
  {
    seed: 686,
    steps: 30,
    broke:
      "an invoice's late file, answer lost, was saved over and its new version sent, answer " +
      'lost too; after a restart Concur\'s "already has an image" could not say which version ' +
      'it held, and the one it held went to Failed/',
  },
  {
    seed: 7994,
    broke:
      'a crash tore the last ledger line and the disk was full at restart: the ledger could not ' +
      'rewrite its journal at open and the engine did not start',
  },
  {
    seed: 4266,
    broke:
      'a file that could not be read failed and stayed in place; a new version of it, unreadable ' +
      'too, became a second job at the same path, and every restart retried both: one of them ' +
      'waited for ever',
  },
  {
    seed: 13840,
    broke:
      "an invoice's first file closed its merge window alone: its batch-mates had moved to " +
      'collecting in memory, but the disk was full, so they were not in the window yet and no ' +
      'longer counted as on their way; Concur then refused them as a second image',
  },
  {
    seed: 63528,
    broke: 'the same split of an invoice batch on a full disk as seed 13840',
  },
  {
    seed: 63837,
    broke:
      'the same split of an invoice batch as seed 13840; the files of the lost half went to ' +
      "Failed/ though the invoice's image held them",
  },
  {
    seed: 15193,
    broke:
      "a failed scan's .error.txt was removed when another file of the same name uploaded, " +
      'though the failed copy was still in Failed/: a file there without its reason',
  },
  {
    seed: 70435,
    broke:
      "an entry's scan whose upload had landed (answer lost) became unreadable before the next " +
      'try; the client\'s "could not open" was taken as Concur\'s refusal and the scan went to ' +
      "Failed/, though the entry's image held it",
  },
  {
    seed: 69579,
    broke:
      'a copy of a file in a batch waiting for a fixed scan was parked behind it and kept ' +
      '`watch --once` from ending',
  },
  {
    seed: 103844,
    broke:
      "a crash while an entry's three scans were being answered (one member's answer written, " +
      'the others still "uploading") split the batch: only the two whose upload may have landed ' +
      'went again, as a new PDF, and the third failed "already has an image" though never in it',
  },
  {
    seed: 103883,
    broke:
      'a crash between the records of an entry\'s members going out (one "uploading", two still ' +
      'queued) sent the first alone after the restart; the other two failed "already has an image"',
  },
  {
    seed: 152708,
    broke:
      'the same split as seed 103883, for an invoice whose batch had waited for a fixed file ' +
      '(the bad-batch story only brings the timing about)',
  },
  {
    seed: 54697,
    broke:
      'an invoice batch-mate edited while the others were being recorded as going out (a full ' +
      'disk made that take long) was sent with the stale merge, and its new version then passed ' +
      'for a duplicate of it and went to Uploaded/ unsent',
  },
  {
    seed: 259,
    broke:
      'an entry batch waiting for its connection was re-formed meanwhile (a member changed): the ' +
      'stale attempt sent each member alone, as soon as a connection was free',
  },
  {
    seed: 871,
    broke:
      'a batch whose hold was lifted while its answer waited out a full disk was forgotten: ' +
      'its members stayed queued for ever',
  },
  {
    seed: 27782,
    broke:
      'an entry batch that gave up after eight server errors stayed in place to be retried, and ' +
      'a scan for the same entry that came meanwhile went alone as its one image: the others ' +
      'could never join it',
  },
  {
    seed: 402844,
    broke:
      'with the data disk full, a member failing out of an entry batch (its end not yet written) ' +
      'and a newcomer on its way into the window (its move there not yet written) cancelled out ' +
      'in a count: the window closed and the newcomer failed, "already has an image"',
  },
  {
    seed: 401224,
    broke:
      'a file deleted while its share was offline was found missing as uploads resumed; its wait ' +
      'for the share was recorded only after the share came back (the data disk was full), so ' +
      'nothing looked at it again: it waited for ever, and failed as deleted after a restart',
  },
  {
    seed: 410715,
    broke:
      'an invoice batch held for sign-in was cut when a member changed; with the data disk full, ' +
      "the others were still on their way back when the changed file's new window closed: it " +
      'went alone as the one image and the others failed, "already has an image"',
  },
  {
    seed: 474104,
    broke:
      "an invoice member's share dropped and came back while the data disk was full; its " +
      '"folder cannot be reached" was still being recorded when its batch-mate\'s window closed ' +
      'without it, and it failed "already has an image" once it looked again',
  },
  {
    seed: 473001,
    broke:
      'a failed file kept in place was replaced while the data disk was full, and the newer ' +
      "version's job was lost in a crash; at the next start Retry took the old job on while the " +
      'watcher made a new one for the same file, and after the upload the old one failed "deleted"',
  },
  {
    seed: 1060297,
    steps: 30,
    broke:
      "an entry's three files were merged while the data disk was full; one was replaced while " +
      "the others' queued records waited, went into a new window alone, and the old batch's " +
      '"queued" then queued it alone too: it became the one image and the others failed, ' +
      '"already has an image"',
  },
  {
    seed: 1062900,
    steps: 30,
    broke:
      '--once never ended: a merge window waited for an unreachable member that was not its ' +
      "path's job (an older job for a file replaced before a crash), which never looks again",
  },
];

describe('seeds that once failed against the real engine', () => {
  for (const { seed, steps = 100, broke } of SEEDS) {
    it(`seed ${seed}: ${broke}`, async () => {
      const result = await simulate({ seed, steps, engine: simEngine });
      expect(result.violations).toEqual([]);
    });
  }
});

describe('a file Concur Drop may not read', () => {
  it('fails once, and is not made a new failed job by every rescan of its folder (seed 109)', async () => {
    let shown: Job[] = [];
    const engine: SimEngineFactory = (world) => {
      const inner = simEngine(world);
      return { ...inner, jobs: () => (shown = inner.jobs()) };
    };
    const result = await simulate({ seed: 109, steps: 100, engine });
    expect(result.violations).toEqual([]);
    const unreadable = new Map<string, number>();
    for (const job of shown.filter((j) => j.error?.code === 'unreadable')) {
      const path = `${job.root}/${job.relPath}`.toLowerCase();
      unreadable.set(path, (unreadable.get(path) ?? 0) + 1);
    }
    expect(unreadable.size).toBeGreaterThan(0);
    expect([...unreadable].filter(([, n]) => n > 1)).toEqual([]);
  });
});
