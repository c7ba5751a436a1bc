import { describe, expect, it } from 'vitest';
import { folderSchema } from '../../../main/engine/settings/schema.js';
import type { FolderSettings } from '../../../main/engine/settings/schema.js';
import {
  describeTarget,
  isIgnoredPath,
  routeFile,
  targetKey,
} from '../../../main/engine/routing/route.js';

const ID = 'A2C40CEE415B43B2A0BE';

function folder(extra: Partial<Record<keyof FolderSettings, unknown>> = {}): FolderSettings {
  return folderSchema.parse({ path: '/scans', ...extra });
}

describe('routing by folder conventions', () => {
  it('sends a file at the root to the receipt store', () => {
    expect(routeFile('scan.pdf', folder())).toEqual({
      kind: 'target',
      target: { kind: 'receipt' },
    });
  });

  it('sends report/<id>/ files to that report, labelled by the id', () => {
    expect(routeFile(`report/${ID}/scan.pdf`, folder())).toEqual({
      kind: 'target',
      target: { kind: 'report', id: ID, label: ID },
    });
  });

  it('reads the id from a "Name [id]" folder and keeps the name as the label', () => {
    expect(routeFile(`report/Berlin trip [${ID}]/scan.pdf`, folder())).toEqual({
      kind: 'target',
      target: { kind: 'report', id: ID, label: 'Berlin trip' },
    });
    expect(routeFile(`entry/Taxi [E1]/a.jpg`, folder())).toEqual({
      kind: 'target',
      target: { kind: 'entry', id: 'E1', label: 'Taxi' },
    });
    expect(routeFile(`invoice/Acme [884E2WRE415B43B2A0BE]/inv.png`, folder())).toEqual({
      kind: 'target',
      target: { kind: 'invoice', id: '884E2WRE415B43B2A0BE', label: 'Acme' },
    });
  });

  it('tolerates a stray space after the bracketed id', () => {
    expect(routeFile(`report/Berlin [${ID}] /x.pdf`, folder())).toMatchObject({
      target: { kind: 'report', id: ID, label: 'Berlin' },
    });
  });

  it('handles Unicode and spaces in folder and file names', () => {
    expect(routeFile('report/Reise nach München [ABC$1]/Quittung 1.pdf', folder())).toEqual({
      kind: 'target',
      target: { kind: 'report', id: 'ABC$1', label: 'Reise nach München' },
    });
    // macOS reports decomposed names; the label still reads as typed.
    const decomposed = 'report/Reise nach Mu\u0308nchen [ABC$1]/Quittung 1.pdf';
    const result = routeFile(decomposed, folder());
    expect(result.kind === 'target' && result.target).toMatchObject({
      label: 'Reise nach München',
    });
    expect(routeFile('Belege März/Beleg €12.jpg', folder())).toEqual({
      kind: 'target',
      target: { kind: 'receipt' },
    });
  });

  it('matches the convention folder names whatever their case', () => {
    for (const top of ['Report', 'REPORT', 'report']) {
      expect(routeFile(`${top}/${ID}/x.pdf`, folder())).toMatchObject({
        target: { kind: 'report', id: ID },
      });
    }
    expect(routeFile(`ENTRY/${ID}/x.pdf`, folder())).toMatchObject({ target: { kind: 'entry' } });
    expect(routeFile(`Invoice/${ID}/x.pdf`, folder())).toMatchObject({
      target: { kind: 'invoice' },
    });
  });

  it('sends files deeper under a report folder to the same report', () => {
    expect(routeFile(`report/Berlin [${ID}]/day 2/evening/x.jpg`, folder())).toEqual({
      kind: 'target',
      target: { kind: 'report', id: ID, label: 'Berlin' },
    });
  });

  it('refuses a report folder without an id, naming the folder and how to fix it', () => {
    const result = routeFile('report/Berlin trip/scan.pdf', folder());
    // The example id is one nobody could take for a real one and paste into Concur.
    expect(result).toMatchObject({
      kind: 'invalid',
      reason:
        'The folder "report/Berlin trip" does not name a report id: name it ' +
        '"Berlin trip [EXAMPLE-REPORT-ID]" or by the id itself.',
    });
    expect(routeFile('invoice/scan.pdf', folder())).toMatchObject({
      reason: expect.stringContaining('"invoice/Berlin trip [EXAMPLE-INVOICE-ID]/scan.pdf"'),
    });
    expect(routeFile('entry/Taxi ride/x.jpg', folder())).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('"entry/Taxi ride" does not name an entry id'),
    });
  });

  it('refuses a bracketed id with characters Concur does not allow', () => {
    for (const bad of ['Trip [AB#C]', 'Trip [A B]', 'Trip []', `Trip [${'x'.repeat(129)}]`]) {
      const result = routeFile(`invoice/${bad}/x.pdf`, folder());
      expect(result.kind, bad).toBe('invalid');
      expect(result.kind === 'invalid' && result.reason).toMatch(/^The folder "invoice\/Trip/);
    }
    expect(routeFile('report/Trip [ab#c]/x.pdf', folder())).toMatchObject({
      reason: expect.stringContaining('names "ab#c" as its report id'),
    });
  });

  it('refuses a file put directly in report/ without a report folder', () => {
    const result = routeFile('report/scan.pdf', folder());
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.reason).toContain('"report/scan.pdf"');
  });

  it('sends other subfolders to the receipt store, or ignores them when set to', () => {
    expect(routeFile('Lunch/x.jpg', folder())).toEqual({
      kind: 'target',
      target: { kind: 'receipt' },
    });
    const ignored = routeFile('Lunch/x.jpg', folder({ unmatched: 'ignore' }));
    expect(ignored.kind).toBe('ignore');
    expect(ignored.kind === 'ignore' && ignored.why).toContain('"Lunch"');
    // Root files and conventions still work when unmatched subfolders are ignored.
    expect(routeFile('x.jpg', folder({ unmatched: 'ignore' }))).toMatchObject({
      target: { kind: 'receipt' },
    });
    expect(routeFile(`entry/${ID}/x.jpg`, folder({ unmatched: 'ignore' }))).toMatchObject({
      target: { kind: 'entry', id: ID },
    });
  });
});

describe('explicit routes from the settings', () => {
  const routes = [
    { subfolder: 'Berlin', target: { kind: 'report', id: 'R1' } },
    { subfolder: 'Berlin/Hotel', target: { kind: 'entry', id: 'E9' } },
    { subfolder: 'report/Special', target: { kind: 'invoice', id: 'I7' } },
    { subfolder: 'Misc/', target: { kind: 'receipt' } },
  ];

  it('beat the conventions', () => {
    expect(routeFile('report/Special/x.pdf', folder({ routes }))).toEqual({
      kind: 'target',
      target: { kind: 'invoice', id: 'I7', label: 'Special' },
    });
  });

  it('pick the longest matching subfolder', () => {
    expect(routeFile('Berlin/x.pdf', folder({ routes }))).toMatchObject({
      target: { kind: 'report', id: 'R1', label: 'Berlin' },
    });
    expect(routeFile('Berlin/Hotel/night 1/x.pdf', folder({ routes }))).toMatchObject({
      target: { kind: 'entry', id: 'E9', label: 'Hotel' },
    });
    expect(routeFile('Berlin/Taxi/x.pdf', folder({ routes }))).toMatchObject({
      target: { kind: 'report', id: 'R1' },
    });
  });

  it('match whole folder names only, not name prefixes', () => {
    expect(routeFile('Berliner/x.pdf', folder({ routes }))).toEqual({
      kind: 'target',
      target: { kind: 'receipt' },
    });
  });

  it('route to the receipt store even when unmatched subfolders are ignored', () => {
    expect(routeFile('Misc/x.pdf', folder({ routes, unmatched: 'ignore' }))).toEqual({
      kind: 'target',
      target: { kind: 'receipt' },
    });
  });

  it('compare case-sensitively on Linux and case-insensitively on Windows', () => {
    expect(routeFile('berlin/x.pdf', folder({ routes }), 'linux')).toEqual({
      kind: 'target',
      target: { kind: 'receipt' },
    });
    expect(routeFile('berlin/x.pdf', folder({ routes }), 'win32')).toMatchObject({
      target: { kind: 'report', id: 'R1' },
    });
  });

  it('do not apply to a file at the root', () => {
    expect(routeFile('Berlin', folder({ routes }))).toEqual({
      kind: 'target',
      target: { kind: 'receipt' },
    });
  });
});

describe('never handled paths', () => {
  it.each([
    'Uploaded/scan.pdf',
    'uploaded/report/x/scan.pdf',
    'Failed/scan.pdf',
    'Failed',
    '.hidden.pdf',
    '.git/objects/x',
    'sub/.cache/scan.pdf',
    'scan.pdf.tmp',
    'scan.TMP',
    'scan.pdf.part',
    'scan.pdf.crdownload',
    '~$Report.docx',
    'Thumbs.db',
    'sub/thumbs.DB',
    'desktop.ini',
    'Desktop.INI',
    '.DS_Store',
    'report/x [A1]/.DS_Store',
  ])('ignores %s', (relPath) => {
    expect(isIgnoredPath(relPath)).toBe(true);
    expect(routeFile(relPath, folder()).kind).toBe('ignore');
  });

  it.each([
    'scan.pdf',
    'sub/Uploaded/scan.pdf',
    'report/Failed [F1]/scan.pdf',
    'temp/scan.pdf',
    'scan.tmp.pdf',
    'my~$scan.pdf',
    '',
  ])('handles %s', (relPath) => {
    expect(isIgnoredPath(relPath)).toBe(false);
  });
});

describe('target keys and descriptions', () => {
  it('give one key per Concur destination, whatever the label', () => {
    expect(targetKey({ kind: 'receipt' })).toBe('receipt');
    expect(targetKey({ kind: 'report', id: ID, label: 'Berlin' })).toBe(`report:${ID}`);
    expect(targetKey({ kind: 'entry', id: 'E1' })).toBe('entry:E1');
    expect(targetKey({ kind: 'invoice', id: 'I1', label: 'x' })).toBe('invoice:I1');
  });

  it('describe targets in words people read, with full ids: two entries may share a name', () => {
    expect(describeTarget({ kind: 'receipt' })).toBe('the receipt store');
    expect(describeTarget({ kind: 'report', id: ID, label: 'Berlin trip' })).toBe(
      'report Berlin trip',
    );
    expect(describeTarget({ kind: 'entry', id: ID, label: ID })).toBe(`entry ${ID}`);
    expect(describeTarget({ kind: 'entry', id: 'E1' })).toBe('entry E1');
    expect(describeTarget({ kind: 'invoice', id: '884E2WRE415B43B2A0BE', label: 'Acme' })).toBe(
      'invoice Acme [884E2WRE415B43B2A0BE]',
    );
  });
});
