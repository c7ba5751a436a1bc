import { describe, expect, it } from 'vitest';
import { naturalCompare } from '../../../main/engine/merge/page-order.js';

describe('natural file-name order', () => {
  it('puts scan_2 before scan_10, ignoring case', () => {
    const names = ['scan_10.jpg', 'Scan_2.jpg', 'scan_1.jpg', 'SCAN_3.jpg', 'a.jpg'];
    expect(names.sort(naturalCompare)).toEqual([
      'a.jpg',
      'scan_1.jpg',
      'Scan_2.jpg',
      'SCAN_3.jpg',
      'scan_10.jpg',
    ]);
  });

  it('orders names that differ only in case the same way every time', () => {
    expect(['b.pdf', 'B.pdf'].sort(naturalCompare)).toEqual(['B.pdf', 'b.pdf']);
    expect(['B.pdf', 'b.pdf'].sort(naturalCompare)).toEqual(['B.pdf', 'b.pdf']);
  });

  it('orders page numbers a scanner writes with and without leading zeros', () => {
    expect(['p10', 'p009', 'p1'].sort(naturalCompare)).toEqual(['p1', 'p009', 'p10']);
  });
});
