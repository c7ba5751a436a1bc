import { html, type TemplateResult } from 'lit';

/**
 * What the status view shows before the first scan: the folder conventions
 * (docs/architecture.md#folder-conventions) spelled out with the user's own watched folders.
 */
export function emptyState(roots: string[], openSettings: () => void): TemplateResult {
  if (roots.length === 0) {
    return html`<section class="empty" aria-labelledby="empty-title">
      <h2 id="empty-title">No folder is watched yet</h2>
      <p>
        Add the folder your scanner saves into, and every PDF, JPEG or PNG that lands there is
        uploaded to Concur.
      </p>
      <button class="primary" @click=${openSettings}>Add a folder in Settings</button>
    </section>`;
  }
  const root = roots[0];
  const sep = root.includes('\\') && !root.includes('/') ? '\\' : '/';
  const at = (...parts: string[]) => [root.replace(/[\\/]+$/, ''), ...parts].join(sep);
  return html`<section class="empty" aria-labelledby="empty-title">
    <h2 id="empty-title">No scans yet</h2>
    <p>
      Save or scan a PDF, JPEG or PNG into a watched folder and it appears here. The subfolder it
      lands in decides where it goes in Concur:
    </p>
    <table class="conventions">
      <caption class="visually-hidden">
        Folder conventions
      </caption>
      <thead>
        <tr>
          <th scope="col">Put the file in</th>
          <th scope="col">It goes to</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <td><code>${at('')}</code></td>
          <td>your available receipts</td>
        </tr>
        <tr>
          <td><code>${at('report', '<name [REPORT ID]>', '')}</code></td>
          <td>that expense report (added to its receipt images)</td>
        </tr>
        <tr>
          <td><code>${at('entry', '<name [ENTRY ID]>', '')}</code></td>
          <td>that expense entry (one image: files arriving together become one PDF)</td>
        </tr>
        <tr>
          <td><code>${at('invoice', '<name [REQUEST ID]>', '')}</code></td>
          <td>that invoice (one image, like an entry)</td>
        </tr>
      </tbody>
    </table>
    <p>
      For example <code>${at('report', 'Berlin trip [A2C40CEE415B43B2A0BE]', 'taxi.pdf')}</code>.
      The folder name may be the id alone. Uploaded files move to <code>${at('Uploaded')}</code>; a
      file that cannot be uploaded moves to <code>${at('Failed')}</code> with a note that says why.
    </p>
    ${
      roots.length > 1
        ? html`<p>
            The same works in every watched folder:
            ${roots.map((r, i) => html`${i ? ', ' : ''}<code>${r}</code>`)}.
          </p>`
        : ''
    }
  </section>`;
}
