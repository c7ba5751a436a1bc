/**
 * The order a batch's scans go into its PDF. Apart from merge-pdf.ts: the
 * engine loads pdf-lib only once it merges, not to sort a batch.
 */

/** Natural file-name order: scan_2 before scan_10, case-insensitive, locale-aware. */
export function naturalCompare(a: string, b: string): number {
  // Names equal to the collator ("Scan.pdf", "scan.pdf") still get a stable order.
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
