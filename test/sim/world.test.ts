import { describe, expect, it } from 'vitest';
import { isUploadable, sniffContentType } from '../../main/engine/inspect/file-type.js';
import { hasCompleteEnd } from '../../main/engine/inspect/structure.js';
import type { SimEngineFactory } from '../../sim/engine-port.js';
import { referenceEngine } from '../../sim/reference-engine.js';
import { simulate } from '../../sim/simulate.js';
import { makeDoc, pageCuts, type DocType } from '../../sim/world/documents.js';
import { Life } from '../../sim/world/life.js';
import { MemoryFileSystem } from '../../sim/world/memory-fs.js';
import { STORIES, type Story } from '../../sim/world/office.js';
import { SeededRandom } from '../../sim/world/seeded-random.js';
import { VirtualClock } from '../../sim/world/virtual-clock.js';
import { World } from '../../sim/world/world.js';

/** An office day without the faults the reference engine does not handle. */
const CALM: ReadonlySet<Story> = new Set(
  (Object.keys(STORIES) as Story[]).filter(
    (s) =>
      ![
        'arrive',
        'page-writer',
        'batch',
        'backlog',
        'temp-rename',
        'held',
        'same-content',
        'delete',
      ].includes(s),
  ),
);
const calmDay = { steps: 40, without: CALM, windows: false, missProbability: 0 };

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('the simulated office', () => {
  it('replays a seed exactly: the same seed gives the same trace', async () => {
    const run = () => simulate({ seed: 7, steps: 60, engine: referenceEngine() });
    const [a, b] = [await run(), await run()];
    expect(a.trace.length).toBeGreaterThan(60);
    expect(b.trace).toEqual(a.trace);
    expect(b.violations).toEqual(a.violations);
    const other = await simulate({ seed: 8, steps: 60, engine: referenceEngine() });
    expect(other.trace).not.toEqual(a.trace);
  });

  it('finds nothing wrong with an engine that keeps its promises on a calm day', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const result = await simulate({ seed, engine: referenceEngine(), ...calmDay });
      expect(result.violations, `seed ${seed}`).toEqual([]);
    }
  });

  it('catches an engine that uploads every scan twice', async () => {
    const result = await simulate({
      seed: 1,
      engine: referenceEngine({ flaw: 'upload-twice' }),
      ...calmDay,
    });
    expect(result.violations.map((v) => v.invariant)).toContain('at-most-once');
  });

  it('catches an engine that moves scans to Uploaded/ without sending them', async () => {
    const result = await simulate({
      seed: 1,
      engine: referenceEngine({ flaw: 'move-unsent' }),
      ...calmDay,
    });
    expect(result.violations[0]).toMatchObject({ invariant: 'uploaded-unsent' });
    expect(result.violations[0].message).toMatch(/Uploaded\/.*never received/);
  });

  it("catches an engine that sends an entry's scans one by one instead of merging them", async () => {
    const found = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) {
      const result = await simulate({
        seed,
        engine: referenceEngine({ flaw: 'split-batches' }),
        ...calmDay,
      });
      for (const v of result.violations) found.add(v.invariant);
    }
    expect(found).toContain('one-image');
  });
});

describe('the virtual clock', () => {
  it('fires timers due at the same moment in the order they were set, without real waiting', async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 5000);
    clock.setTimeout(() => fired.push('c'), 5000);
    clock.setTimeout(() => fired.push('a'), 10);
    const cancelled = clock.setTimeout(() => fired.push('x'), 5000);
    clock.clearTimeout(cancelled);
    const started = Date.now();
    await clock.run({ until: 3_600_000 });
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(3_600_000);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('never fires the timers of a life that ended', async () => {
    const clock = new VirtualClock(0);
    const life = new Life(1);
    const fired: string[] = [];
    clock.forLife(life).setTimeout(() => fired.push('dead'), 100);
    clock.setTimeout(() => fired.push('world'), 200);
    life.end();
    await clock.run();
    expect(fired).toEqual(['world']);
  });
});

describe('the memory file system', () => {
  const clock = { now: () => 1000 };

  it('fails open and move with EBUSY while the scanner holds the file, and works once it lets go', async () => {
    const mem = new MemoryFileSystem({ clock });
    mem.put('/r/scan.pdf', new Uint8Array([1, 2, 3]));
    mem.hold('/r/scan.pdf', 'EBUSY');
    const fs = mem.view();
    expect(await codeOf(fs.open('/r/scan.pdf'))).toBe('EBUSY');
    expect(await codeOf(fs.move('/r/scan.pdf', '/r/Uploaded/scan.pdf'))).toBe('EBUSY');
    mem.release('/r/scan.pdf');
    const handle = await fs.open('/r/scan.pdf');
    const buffer = new Uint8Array(3);
    expect(await handle.read(buffer, 0, 3, 0)).toBe(3);
    await fs.move('/r/scan.pdf', '/r/Uploaded/scan.pdf');
    expect((await fs.lstat('/r/Uploaded/scan.pdf')).size).toBe(3);
  });

  it('plays Windows: names differing only in case are one file, and long paths fail', async () => {
    const mem = new MemoryFileSystem({ clock, windows: true });
    const first = mem.put('/r/Scan.PDF', new Uint8Array([1]));
    const second = mem.put('/r/scan.pdf', new Uint8Array([2, 2]));
    expect(second).toBe(first);
    expect(mem.walk('/r').map((f) => f.path)).toEqual(['/r/Scan.PDF']);
    const fs = mem.view();
    expect((await fs.lstat('/R/SCAN.pdf')).size).toBe(2);
    expect(await codeOf(fs.lstat(`/r/${'x'.repeat(300)}.pdf`))).toBe('ENAMETOOLONG');

    const posix = new MemoryFileSystem({ clock });
    posix.put('/r/Scan.PDF', new Uint8Array([1]));
    posix.put('/r/scan.pdf', new Uint8Array([2]));
    expect(posix.walk('/r')).toHaveLength(2);
  });

  it('keeps a file id across a rename and gives a replacement a new one', async () => {
    const mem = new MemoryFileSystem({ clock });
    mem.put('/r/a.pdf', new Uint8Array([1]));
    const fs = mem.view();
    const before = await fs.lstat('/r/a.pdf');
    await fs.move('/r/a.pdf', '/r/sub/b.pdf');
    expect((await fs.lstat('/r/sub/b.pdf')).id).toBe(before.id);
    mem.put('/r/.a.pdf.tmp', new Uint8Array([9]));
    mem.rename('/r/.a.pdf.tmp', '/r/sub/b.pdf');
    expect((await fs.lstat('/r/sub/b.pdf')).id).not.toBe(before.id);
    expect(await codeOf(fs.move('/r/sub/b.pdf', '/r/sub/b.pdf.x'))).toBeUndefined();
  });

  it('loses a share: calls fail ENOENT, reads through open handles EIO, and it comes back', async () => {
    const mem = new MemoryFileSystem({ clock });
    mem.put('/share/scan.pdf', new Uint8Array([1, 2]));
    const fs = mem.view();
    const handle = await fs.open('/share/scan.pdf');
    mem.goOffline('/share');
    expect(await codeOf(fs.lstat('/share/scan.pdf'))).toBe('ENOENT');
    expect(await codeOf(handle.read(new Uint8Array(2), 0, 2, 0))).toBe('EIO');
    mem.comeBack('/share');
    expect((await fs.lstat('/share/scan.pdf')).size).toBe(2);
  });

  it('refuses unreadable files and folders, bad names, and writes to a full disk', async () => {
    const mem = new MemoryFileSystem({ clock });
    mem.put('/r/locked.pdf', new Uint8Array([1]));
    mem.put('/r/Private/inside.pdf', new Uint8Array([1]));
    mem.put('/r/bad\uFFFD.pdf', new Uint8Array([1]), { badName: true });
    mem.setUnreadable('/r/locked.pdf', true);
    mem.setUnreadable('/r/Private', true);
    mem.fill('/data');
    const fs = mem.view();
    expect(await codeOf(fs.open('/r/locked.pdf'))).toBe('EACCES');
    expect(await codeOf(fs.list('/r/Private'))).toBe('EACCES');
    expect((await fs.list('/r')).map((e) => e.name)).toContain('bad\uFFFD.pdf');
    expect(await codeOf(fs.lstat('/r/bad\uFFFD.pdf'))).toBe('EILSEQ');
    expect(await codeOf(fs.writeFile('/data/ledger.jsonl', 'x'))).toBe('ENOSPC');
    mem.free('/data');
    expect(await codeOf(fs.writeFile('/data/ledger.jsonl', 'x'))).toBeUndefined();
  });

  it('never answers a call made by a life that ended meanwhile', async () => {
    const mem = new MemoryFileSystem({ clock });
    mem.put('/r/a.pdf', new Uint8Array([1]));
    const life = new Life(1);
    let answered = false;
    void mem
      .view(life)
      .lstat('/r/a.pdf')
      .then(() => (answered = true));
    life.end();
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
  });
});

describe('the journal on a simulated disk', () => {
  it('keeps only durable bytes, and at most a torn prefix of the append in flight, across a crash', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const world = new World({ seed });
      const ports = world.startLife();
      const first = new TextEncoder().encode('{"a":1}\n');
      const second = new TextEncoder().encode('{"b":2,"padding":"xxxxxxxxxxxxxxxx"}\n');
      const done = ports.journal.append(first);
      await world.clock.run();
      await done;
      let secondDone = false;
      void ports.journal.append(second).then(() => (secondDone = true));
      await world.clock.settle();
      const { tornBytes } = world.crash();
      await world.clock.run();
      expect(secondDone).toBe(false);
      const after = world.journal.durable();
      expect(after.length).toBe(first.length + tornBytes);
      expect(tornBytes).toBeLessThan(second.length);
      expect(Buffer.from(after.subarray(first.length))).toEqual(
        Buffer.from(second.subarray(0, tornBytes)),
      );
    }
  });

  it('fails appends with ENOSPC while the disk is full, keeping nothing of them', async () => {
    const world = new World({ seed: 1 });
    const ports = world.startLife();
    world.journal.full = true;
    expect(await codeOf(ports.journal.append(new Uint8Array([1])))).toBe('ENOSPC');
    expect(world.journal.size).toBe(0);
  });
});

describe('Concur in the simulated office', () => {
  const receipt = { kind: 'receipt' } as const;

  async function setUp() {
    const world = new World({ seed: 3, windows: false });
    const ports = world.startLife();
    const doc = makeDoc('pdf', 'simdoc-0-1x', new SeededRandom(1));
    world.fs.put('/office/Scans/a.pdf', doc.bytes);
    const call = (options?: object) => {
      const promise = ports.concur.uploadImage(receipt, '/office/Scans/a.pdf', options);
      return world.clock.run().then(() => promise);
    };
    return { world, doc, call };
  }

  it('aborts without sending when the bytes differ from what the engine expects', async () => {
    const { world, call } = await setUp();
    const outcome = await call({ expect: { size: 1, sha256: 'other' } });
    expect(outcome.kind).toBe('changed');
    expect(world.concur.received).toHaveLength(0);
  });

  it('keeps the image yet loses the answer, and allows that upload once more', async () => {
    const { world, call } = await setUp();
    world.concur.forced.push('accept-lost');
    const outcome = await call();
    expect(outcome).toMatchObject({ kind: 'transient' });
    expect(outcome).not.toHaveProperty('status');
    expect(world.concur.received).toHaveLength(1);
    expect([...world.concur.allowance.values()]).toEqual([1]);
  });

  it('hangs until the 60 s deadline of virtual time', async () => {
    const { world, call } = await setUp();
    world.concur.forced.push('hang');
    const before = world.clock.now();
    expect((await call()).kind).toBe('transient');
    expect(world.clock.now() - before).toBe(60_000);
  });

  it('refuses the token until a new one is set', async () => {
    const { world, call } = await setUp();
    world.concur.refuseToken();
    expect((await call()).kind).toBe('auth');
    world.concur.newToken();
    expect((await call()).kind).toBe('uploaded');
    expect(world.concur.received).toHaveLength(1);
  });
});

describe('the scans the office makes', () => {
  it('look complete to the engine when whole, and incomplete at every pause of a page-by-page writer', () => {
    const random = new SeededRandom(5);
    for (const type of ['pdf', 'jpeg', 'png'] as DocType[]) {
      for (let i = 0; i < 20; i++) {
        const doc = makeDoc(type, `simdoc-5-${i}x`, random);
        const sniffed = sniffContentType(doc.bytes.subarray(0, 16));
        expect(isUploadable(sniffed)).toBe(true);
        if (!isUploadable(sniffed)) continue;
        expect(hasCompleteEnd(sniffed, doc.bytes.subarray(-1024))).toBe(true);
        for (const cut of pageCuts(doc, 5, random).slice(0, -1))
          expect(hasCompleteEnd(sniffed, doc.bytes.subarray(Math.max(0, cut - 1024), cut))).toBe(
            false,
          );
      }
    }
  });
});

describe('the invariant checkers', () => {
  it('say a scan is lost when the engine never shows a job for it', async () => {
    const idle: SimEngineFactory = () => ({
      start: async () => {},
      stop: async () => {},
      crash: () => {},
      jobs: () => [],
    });
    const result = await simulate({ seed: 2, engine: idle, ...calmDay });
    expect(result.violations[0]).toMatchObject({ invariant: 'nothing-lost' });
    expect(result.violations[0].message).toMatch(/no job for it/);
  });

  it('turn an engine that throws into a finding for that seed, not a stopped run', async () => {
    const throwing: SimEngineFactory = (world) => ({
      start: async () => {
        world.clock.setTimeout(() => {
          throw new Error('boom');
        }, 10);
      },
      stop: async () => {},
      crash: () => {},
      jobs: () => [],
    });
    const result = await simulate({ seed: 2, engine: throwing, ...calmDay });
    expect(result.violations[0].message).toMatch(/the engine threw: Error: boom/);
  });

  it('say the token leaked when the engine writes it to a file', async () => {
    const leaky: SimEngineFactory = (world) => ({
      start: async () => {
        await world.fs.writeFile('/data/debug.log', `token=${await world.token.get()}`);
      },
      stop: async () => {},
      crash: () => {},
      jobs: () => [],
    });
    const result = await simulate({ seed: 2, engine: leaky, ...calmDay });
    expect(result.violations.map((v) => v.invariant)).toContain('token');
  });
});

describe('Concur when the engine aborts', () => {
  it('ends the attempt at once as transient, and keeps nothing cut off before the body was done', async () => {
    const world = new World({ seed: 3, windows: false });
    const ports = world.startLife();
    const doc = makeDoc('jpeg', 'simdoc-0-2x', new SeededRandom(2));
    world.fs.put('/office/Scans/b.jpg', doc.bytes);
    world.concur.forced.push('accept');
    const controller = new AbortController();
    const promise = ports.concur.uploadImage({ kind: 'receipt' }, '/office/Scans/b.jpg', {
      signal: controller.signal,
    });
    await world.clock.settle();
    controller.abort();
    await world.clock.run();
    expect(await promise).toMatchObject({ kind: 'transient' });
    expect(world.concur.received).toHaveLength(0);
  });
});
