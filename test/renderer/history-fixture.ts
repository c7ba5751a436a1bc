import { Ledger, ledgerDir } from '../../main/engine/ledger/ledger.js';
import type { Job } from '../../main/engine/types.js';

/**
 * Finished jobs of every kind, written through the real ledger before the
 * engine starts: the long names, ids and reasons real offices produce, for
 * the layout and theme tests.
 */

const REPORT_ID = 'A2C40CEE415B43B2A0BE';
const LONG_REASON =
  'The PDF is password protected, so Concur cannot open it. Save it again without a password (in the scanner software or with “Print to PDF”) and drop it into the folder again.';

export function history(root: string): Job[] {
  const now = Date.now();
  let at = now - 60 * 60_000;
  const job = (fields: Partial<Job> & Pick<Job, 'relPath' | 'state' | 'target'>): Job => {
    at += 60_000;
    const name = fields.relPath.split('/').pop()!;
    return {
      id: `layout-${name}`,
      root,
      name,
      attempts: 1,
      size: 48_000,
      createdAt: at,
      updatedAt: at + 2000,
      finishedAt: at + 2000,
      ...fields,
    };
  };
  return [
    job({
      relPath: `report/Berlin trip [${REPORT_ID}]/hotel-invoice-2026-11-28.pdf`,
      state: 'uploaded',
      target: { kind: 'report', id: REPORT_ID, label: 'Berlin trip' },
      imageId: '1C8B5F3E2A9D4B7C8E6F0A1B2C3D4E5F',
    }),
    job({
      relPath: 'invoice/Office supplies Q4 Müller & Söhne [INV-2026-000123-DE]/delivery-note.pdf',
      state: 'uploaded',
      target: {
        kind: 'invoice',
        id: 'INV-2026-000123-DE',
        label: 'Office supplies Q4 Müller & Söhne',
      },
      imageId: 'F0E1D2C3B4A5968778695A4B3C2D1E0F',
    }),
    job({
      relPath: 'parking-ticket.png',
      state: 'duplicate',
      target: { kind: 'receipt' },
      imageId: '9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D',
    }),
    job({
      relPath: 'lunch-receipt-with-a-rather-long-file-name-from-the-scanner-0042.jpg',
      state: 'failed',
      target: { kind: 'receipt' },
      attempts: 8,
      error: {
        reason:
          'Concur could not be reached after 8 tries (the connection was refused). Press Retry when the network is back.',
        retryable: true,
      },
    }),
    job({
      relPath: 'entry/Taxi to the airport [E7F3A9C2B1D04F5A8C6E]/scan_2.pdf',
      state: 'failed',
      target: { kind: 'entry', id: 'E7F3A9C2B1D04F5A8C6E', label: 'Taxi to the airport' },
      error: { reason: LONG_REASON, retryable: false },
    }),
  ];
}

/** Writes the history into the ledger of `dataDir` (before the engine opens it). */
export async function writeHistory(dataDir: string, root: string): Promise<void> {
  const ledger = await Ledger.open(ledgerDir(dataDir));
  for (const job of history(root)) await ledger.put(job);
  await ledger.close();
}
