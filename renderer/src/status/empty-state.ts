import { html, type TemplateResult } from 'lit';
import { t } from '../i18n.js';

/**
 * What the status view shows before the first scan: the folder conventions
 * (docs/architecture.md#folder-conventions) spelled out with the user's own watched folders.
 */
export function emptyState(roots: string[], openSettings: () => void): TemplateResult {
  if (roots.length === 0) {
    return html`<section class="empty" aria-labelledby="empty-title">
      <h2 id="empty-title">${t('empty.noFolderTitle')}</h2>
      <p>${t('empty.noFolderBody')}</p>
      <button class="primary" @click=${openSettings}>${t('empty.addFolder')}</button>
    </section>`;
  }
  const root = roots[0];
  const sep = root.includes('\\') && !root.includes('/') ? '\\' : '/';
  const name = t('empty.name');
  const at = (...parts: string[]) => [root.replace(/[\\/]+$/, ''), ...parts].join(sep);
  return html`<section class="empty" aria-labelledby="empty-title">
    <h2 id="empty-title">${t('empty.title')}</h2>
    <p>${t('empty.intro')}</p>
    <table class="conventions">
      <caption class="visually-hidden">
        ${t('empty.caption')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('empty.putIn')}</th>
          <th scope="col">${t('empty.goesTo')}</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <td><code>${at('')}</code></td>
          <td>${t('empty.receipts')}</td>
        </tr>
        <tr>
          <td><code>${at('report', `<${name} [${t('empty.reportId')}]>`, '')}</code></td>
          <td>${t('empty.report')}</td>
        </tr>
        <tr>
          <td><code>${at('entry', `<${name} [${t('empty.entryId')}]>`, '')}</code></td>
          <td>${t('empty.entry')}</td>
        </tr>
        <tr>
          <td><code>${at('invoice', `<${name} [${t('empty.invoiceId')}]>`, '')}</code></td>
          <td>${t('empty.invoice')}</td>
        </tr>
      </tbody>
    </table>
    <p>
      ${t('empty.exampleBefore')}
      <code>${at('report', `${t('empty.exampleTrip')} [EXAMPLE-REPORT-ID]`, 'taxi.pdf')}</code>.
      ${t('empty.exampleAfter')} <code>${at('Uploaded')}</code>${t('empty.failedMove')}
      <code>${at('Failed')}</code> ${t('empty.failedNote')}
    </p>
    ${
      roots.length > 1
        ? html`<p>
            ${t('empty.everyRoot')} ${roots.map((r, i) => html`${i ? ', ' : ''}<code>${r}</code>`)}.
          </p>`
        : ''
    }
  </section>`;
}
