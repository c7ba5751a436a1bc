import type { Page } from 'playwright-core';

/**
 * What a person would see as a broken layout, measured in the page: two pieces
 * of text drawn over each other inside one row (the "Failed" pill over the file
 * name), text cut off by its box or the window (a clipped logo, an id that ends
 * in "…"), and a page wider than the window. Visually hidden text and the
 * closed part of a <details> are not drawn, so they do not count.
 */

// Written as an expression: the Node typecheck has no DOM types.
const CHECK = `(rowSelector) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const name = (el) => {
    const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    return el.tagName.toLowerCase() + cls;
  };
  const clipping = (style) =>
    style.overflowX !== 'visible' || style.overflowY !== 'visible' || style.textOverflow === 'ellipsis';
  const textBoxes = (root) => {
    const boxes = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      const el = node.parentElement;
      if (!text || !el || el.closest('.visually-hidden')) continue;
      const details = el.closest('details');
      if (details && !details.open && !el.closest('summary')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.opacity === '0') continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects())
        if (r.width > 0.5 && r.height > 0.5) boxes.push({ node, el, text, r });
    }
    return boxes;
  };
  for (const row of document.querySelectorAll(rowSelector)) {
    if (!row.getClientRects().length) continue;
    const label = row.getAttribute('aria-label') || name(row);
    const boxes = textBoxes(row);
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i];
      // Text outside the window, or outside a box that clips it.
      if (a.r.left < -0.5 || a.r.right > vw + 0.5)
        problems.push(label + ': "' + a.text + '" runs outside the window');
      for (let up = a.el; up && up !== document.body; up = up.parentElement) {
        const style = getComputedStyle(up);
        if (!clipping(style)) continue;
        const box = up.getBoundingClientRect();
        if (a.r.left < box.left - 1 || a.r.right > box.right + 1)
          problems.push(label + ': "' + a.text + '" is cut off by ' + name(up));
        if (style.textOverflow === 'ellipsis' && up.scrollWidth > up.clientWidth + 1)
          problems.push(label + ': "' + a.text + '" ends in an ellipsis in ' + name(up));
      }
      for (let j = i + 1; j < boxes.length; j++) {
        const b = boxes[j];
        if (a.node === b.node) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 1 && h > 2) problems.push(label + ': "' + a.text + '" overlaps "' + b.text + '"');
      }
    }
    // Non-text parts (the logo, glyphs, the progress bar) must not be cut off either.
    for (const el of row.querySelectorAll('.logo, .glyph, .progress, button, code')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < -0.5 || r.right > vw + 0.5) problems.push(label + ': ' + name(el) + ' runs outside the window');
      else if (el.classList.contains('logo') && r.width < 20) problems.push(label + ': the logo is squeezed to ' + Math.round(r.width) + ' px');
    }
  }
  const scroller = document.querySelector('main');
  if (scroller && scroller.scrollWidth > scroller.clientWidth + 1)
    problems.push('the page is ' + scroller.scrollWidth + ' px wide in a ' + scroller.clientWidth + ' px window');
  return [...new Set(problems)];
}`;

/** Layout problems in the rows matching `rowSelector`; an empty list when the page holds. */
export async function layoutProblems(page: Page, rowSelector: string): Promise<string[]> {
  return page.evaluate(`(${CHECK})(${JSON.stringify(rowSelector)})`);
}

/** The rows of the status window that must each hold together. */
export const STATUS_ROWS = '.app-header, .summary, .toolbar, .banner, li.job';

/** The parts of the settings pages that must each hold together. */
export const SETTINGS_ROWS =
  '.app-header, .subnav, .settings-page .field, .settings-page .card > *, .routes tr, .save-bar, .banner';
