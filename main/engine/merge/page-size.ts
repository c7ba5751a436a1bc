/** How big a merged page is for an image (apart from merge-pdf.ts, which loads pdf-lib). */

/** A4 in PDF points (1/72 inch): the paper receipts are scanned on. */
const A4_SHORT = 595.28;
const A4_LONG = 841.89;

/**
 * Page size for an image: its pixel size taken as points (72 dpi), scaled down
 * to fit A4 — portrait for tall images, landscape for wide ones — and never
 * scaled up, so a small till receipt stays small instead of being blown up to
 * a blurry full page. The page is exactly the image: no margins.
 */
export function imagePageSize(width: number, height: number): { width: number; height: number } {
  const [maxWidth, maxHeight] = width > height ? [A4_LONG, A4_SHORT] : [A4_SHORT, A4_LONG];
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: width * scale, height: height * scale };
}
