import { describe, expect, it } from 'vitest';
import { imagePageSize } from '../../../main/engine/merge/page-size.js';

describe('image page sizes', () => {
  it('shrinks a 300 dpi A4 scan to an A4 page', () => {
    const { width, height } = imagePageSize(2480, 3508);
    expect(Math.round(width)).toBe(595);
    expect(Math.round(height)).toBe(842);
  });

  it('lays a wide photo on a landscape A4 page, keeping its proportions', () => {
    const { width, height } = imagePageSize(4032, 3024);
    // 4:3 is squarer than A4's 1.41:1, so the page height is the limit.
    expect(Math.round(height)).toBe(595);
    expect(width).toBeLessThanOrEqual(842);
    expect(width / height).toBeCloseTo(4032 / 3024, 5);
  });

  it('keeps a small image at its own size', () => {
    expect(imagePageSize(300, 800)).toEqual({ width: 300, height: 800 });
  });
});
