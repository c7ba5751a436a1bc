import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { FolderSettings, Route } from '../../../main/engine/settings/schema.js';
import type { TargetKind } from '../../../main/engine/types.js';
import type { SettingsView } from './settings-view.js';
import { isLocked, lockedNote } from './locked.js';
import { errorId, fieldError } from './validate.js';

const KINDS: { value: TargetKind; label: string }[] = [
  { value: 'receipt', label: 'Receipt store' },
  { value: 'report', label: 'Report' },
  { value: 'entry', label: 'Expense entry' },
  { value: 'invoice', label: 'Invoice' },
];

/** A new watched folder with the schema's defaults. */
export function newFolder(path: string): FolderSettings {
  return {
    path,
    polling: false,
    unmatched: 'receipt',
    routes: [],
    split: 'none',
    blankPages: 'keep',
  };
}

/** Settings › Folders: watched roots, polling, unmatched files, stacks, blank pages, and explicit routes. */
export function foldersPage(host: SettingsView) {
  const folders = host.draft!.folders;
  // A disabled fieldset makes every field of every folder read-only at once.
  const locked = isLocked(host, 'folders');
  return html`
    <section class="settings-page" aria-labelledby="folders-title">
      <h2 id="folders-title">Folders</h2>
      <p class="lead">
        Scans saved into these folders are uploaded. Subfolders named <code>report</code>,
        <code>entry</code> and <code>invoice</code> route by id; a route below sends a subfolder of
        your choosing to a fixed destination and wins over those conventions.
      </p>
      ${lockedNote(host, 'folders')}
      <fieldset class="plain" ?disabled=${locked}>
        ${
          folders.length === 0
            ? html`<p class="list-empty">No folder is watched yet.</p>`
            : folders.map((folder, i) => folderCard(host, folder, i))
        }
      </fieldset>
      ${locked ? nothing : addFolder(host)}
    </section>
  `;
}

function folderCard(host: SettingsView, folder: FolderSettings, i: number) {
  const key = `folders.${i}`;
  const pathError = host.errorFor(`${key}.path`);
  return html`<fieldset class="card folder">
    <legend>Watched folder ${i + 1}</legend>
    <div class="field">
      <label for="folder-${i}-path">Path</label>
      <div class="inline">
        <input
          id="folder-${i}-path"
          class="grow"
          spellcheck="false"
          .value=${live(folder.path)}
          aria-invalid=${pathError ? 'true' : 'false'}
          aria-describedby=${pathError ? errorId(`${key}.path`) : nothing}
          @input=${(e: Event) =>
            host.change(
              (d) => (d.folders[i].path = (e.target as HTMLInputElement).value),
              `${key}.path`,
            )}
        />
        <button
          class="ghost danger"
          aria-label="Remove watched folder ${folder.path || i + 1}"
          @click=${() => host.change((d) => d.folders.splice(i, 1))}
        >
          Remove
        </button>
      </div>
      ${fieldError(pathError, `${key}.path`, 'Path')}
    </div>
    <label class="switch">
      <input
        type="checkbox"
        role="switch"
        .checked=${live(folder.polling)}
        @change=${(e: Event) =>
          host.change((d) => (d.folders[i].polling = (e.target as HTMLInputElement).checked))}
      />
      <span>Poll for changes — for network shares, where change events do not arrive</span>
    </label>
    <div class="field">
      <label for="folder-${i}-unmatched">Files in other subfolders</label>
      <select
        id="folder-${i}-unmatched"
        @change=${(e: Event) =>
          host.change(
            (d) =>
              (d.folders[i].unmatched = (e.target as HTMLSelectElement)
                .value as FolderSettings['unmatched']),
          )}
      >
        <option value="receipt" ?selected=${folder.unmatched === 'receipt'}>
          Upload them as receipts
        </option>
        <option value="ignore" ?selected=${folder.unmatched === 'ignore'}>Leave them alone</option>
      </select>
    </div>
    <div class="field">
      <label for="folder-${i}-split">A stack of receipts scanned as one file</label>
      <select
        id="folder-${i}-split"
        @change=${(e: Event) =>
          host.change(
            (d) =>
              (d.folders[i].split = (e.target as HTMLSelectElement)
                .value as FolderSettings['split']),
          )}
      >
        <option value="none" ?selected=${folder.split === 'none'}>Upload it as one receipt</option>
        <option value="page" ?selected=${folder.split === 'page'}>One receipt per page</option>
        <option value="separator" ?selected=${folder.split === 'separator'}>
          A blank sheet starts the next receipt
        </option>
      </select>
    </div>
    <div class="field">
      <label for="folder-${i}-blank">Blank pages (backs of two-sided scans)</label>
      <select
        id="folder-${i}-blank"
        @change=${(e: Event) =>
          host.change(
            (d) =>
              (d.folders[i].blankPages = (e.target as HTMLSelectElement)
                .value as FolderSettings['blankPages']),
          )}
      >
        <option value="keep" ?selected=${folder.blankPages === 'keep'}>Keep them</option>
        <option value="drop" ?selected=${folder.blankPages === 'drop'}>Leave them out</option>
      </select>
    </div>
    <table class="routes">
      <caption>
        Routes
      </caption>
      <thead>
        <tr>
          <th scope="col">Subfolder</th>
          <th scope="col">Goes to</th>
          <th scope="col">Concur ID</th>
          <th scope="col"><span class="visually-hidden">Remove</span></th>
        </tr>
      </thead>
      <tbody>
        ${
          folder.routes.length === 0
            ? html`<tr>
                <td colspan="4" class="muted">No routes: the folder conventions apply.</td>
              </tr>`
            : folder.routes.map((route, j) => routeRow(host, route, i, j))
        }
      </tbody>
    </table>
    <button
      class="ghost"
      @click=${() =>
        host.change((d) =>
          d.folders[i].routes.push({ subfolder: '', target: { kind: 'report', id: '' } }),
        )}
    >
      + Add route
    </button>
  </fieldset>`;
}

function routeRow(host: SettingsView, route: Route, i: number, j: number) {
  const key = `folders.${i}.routes.${j}`;
  const subError = host.errorFor(`${key}.subfolder`);
  const idError = host.errorFor(`${key}.target.id`);
  const n = j + 1;
  return html`<tr>
    <td>
      <input
        id="route-${i}-${j}-subfolder"
        aria-label="Subfolder of route ${n}"
        placeholder="e.g. Berlin"
        spellcheck="false"
        .value=${live(route.subfolder)}
        aria-invalid=${subError ? 'true' : 'false'}
        aria-describedby=${subError ? errorId(`${key}.subfolder`) : nothing}
        @input=${(e: Event) =>
          host.change(
            (d) => (d.folders[i].routes[j].subfolder = (e.target as HTMLInputElement).value),
            `${key}.subfolder`,
          )}
      />
      ${fieldError(subError, `${key}.subfolder`, 'Subfolder')}
    </td>
    <td>
      <select
        id="route-${i}-${j}-kind"
        aria-label="Destination of route ${n}"
        @change=${(e: Event) => {
          const kind = (e.target as HTMLSelectElement).value as TargetKind;
          host.change((d) => {
            const old = d.folders[i].routes[j].target;
            d.folders[i].routes[j].target =
              kind === 'receipt' ? { kind } : { kind, id: 'id' in old ? old.id : '' };
          });
        }}
      >
        ${KINDS.map(
          (k) =>
            html`<option value=${k.value} ?selected=${route.target.kind === k.value}>
              ${k.label}
            </option>`,
        )}
      </select>
    </td>
    <td>
      ${
        route.target.kind === 'receipt'
          ? html`<span class="muted">not needed</span>`
          : html`<input
                id="route-${i}-${j}-id"
                aria-label="Concur ID of route ${n}"
                placeholder="e.g. A2C40CEE415B43B2A0BE"
                spellcheck="false"
                .value=${live(route.target.id)}
                aria-invalid=${idError ? 'true' : 'false'}
                aria-describedby=${idError ? errorId(`${key}.target.id`) : nothing}
                @input=${(e: Event) =>
                  host.change((d) => {
                    const target = d.folders[i].routes[j].target;
                    if ('id' in target) target.id = (e.target as HTMLInputElement).value.trim();
                  }, `${key}.target.id`)}
              />
              ${fieldError(idError, `${key}.target.id`, `Concur ID of route ${n}`)}`
      }
    </td>
    <td>
      <button
        class="ghost small"
        aria-label="Remove route ${n}"
        @click=${() => host.change((d) => d.folders[i].routes.splice(j, 1))}
      >
        Remove
      </button>
    </td>
  </tr>`;
}

function addFolder(host: SettingsView) {
  if (host.info?.mode === 'desktop')
    return html`<button class="secondary" @click=${host.pickFolder}>Add folder…</button>`;
  // The browser view has no native picker: the path is typed, as it is on the watching machine.
  return html`<div class="field add-folder">
    <label for="new-folder">Add a folder (its path on the computer that watches)</label>
    <div class="inline">
      <input
        id="new-folder"
        class="grow"
        spellcheck="false"
        placeholder="/home/scans or C:\\Scans"
        @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && host.addTypedFolder()}
      />
      <button class="secondary" @click=${host.addTypedFolder}>Add folder</button>
    </div>
  </div>`;
}
