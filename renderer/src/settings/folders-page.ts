import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { FolderSettings, Route } from '../../../main/engine/settings/schema.js';
import type { TargetKind } from '../../../main/engine/types.js';
import { t } from '../i18n.js';
import type { SettingsView } from './settings-view.js';
import { isLocked, lockedNote } from './locked.js';
import { errorId, fieldError } from './validate.js';

const KINDS: readonly TargetKind[] = ['receipt', 'report', 'entry', 'invoice'];

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
      <h2 id="folders-title">${t('folders.title')}</h2>
      <p class="lead">${t('folders.lead')}</p>
      ${lockedNote(host, 'folders')}
      <fieldset class="plain" ?disabled=${locked}>
        ${
          folders.length === 0
            ? html`<p class="list-empty">${t('folders.none')}</p>`
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
    <legend>${t('folders.folder', { n: i + 1 })}</legend>
    <div class="field">
      <label for="folder-${i}-path">${t('folders.path')}</label>
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
          aria-label=${t('folders.removeFolder', { name: folder.path || i + 1 })}
          @click=${() => host.change((d) => d.folders.splice(i, 1))}
        >
          ${t('folders.remove')}
        </button>
      </div>
      ${fieldError(pathError, `${key}.path`)}
    </div>
    <label class="switch">
      <input
        type="checkbox"
        role="switch"
        .checked=${live(folder.polling)}
        @change=${(e: Event) =>
          host.change((d) => (d.folders[i].polling = (e.target as HTMLInputElement).checked))}
      />
      <span>${t('folders.polling')}</span>
    </label>
    <div class="field">
      <label for="folder-${i}-unmatched">${t('folders.unmatched')}</label>
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
          ${t('folders.unmatchedReceipt')}
        </option>
        <option value="ignore" ?selected=${folder.unmatched === 'ignore'}>
          ${t('folders.unmatchedIgnore')}
        </option>
      </select>
    </div>
    <div class="field">
      <label for="folder-${i}-split">${t('folders.split')}</label>
      <select
        id="folder-${i}-split"
        @change=${(e: Event) =>
          host.change(
            (d) =>
              (d.folders[i].split = (e.target as HTMLSelectElement)
                .value as FolderSettings['split']),
          )}
      >
        <option value="none" ?selected=${folder.split === 'none'}>${t('folders.splitNone')}</option>
        <option value="page" ?selected=${folder.split === 'page'}>${t('folders.splitPage')}</option>
        <option value="separator" ?selected=${folder.split === 'separator'}>
          ${t('folders.splitSeparator')}
        </option>
      </select>
    </div>
    <div class="field">
      <label for="folder-${i}-blank">${t('folders.blankPages')}</label>
      <select
        id="folder-${i}-blank"
        @change=${(e: Event) =>
          host.change(
            (d) =>
              (d.folders[i].blankPages = (e.target as HTMLSelectElement)
                .value as FolderSettings['blankPages']),
          )}
      >
        <option value="keep" ?selected=${folder.blankPages === 'keep'}>
          ${t('folders.blankKeep')}
        </option>
        <option value="drop" ?selected=${folder.blankPages === 'drop'}>
          ${t('folders.blankDrop')}
        </option>
      </select>
    </div>
    <table class="routes">
      <caption>
        ${t('folders.routes')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('folders.subfolder')}</th>
          <th scope="col">${t('folders.goesTo')}</th>
          <th scope="col">${t('folders.concurId')}</th>
          <th scope="col"><span class="visually-hidden">${t('folders.remove')}</span></th>
        </tr>
      </thead>
      <tbody>
        ${
          folder.routes.length === 0
            ? html`<tr>
                <td colspan="4" class="muted">${t('folders.noRoutes')}</td>
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
      ${t('folders.addRoute')}
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
        aria-label=${t('folders.subfolderOf', { n })}
        placeholder=${t('folders.subfolderPlaceholder')}
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
      ${fieldError(subError, `${key}.subfolder`)}
    </td>
    <td>
      <select
        id="route-${i}-${j}-kind"
        aria-label=${t('folders.destinationOf', { n })}
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
            html`<option value=${k} ?selected=${route.target.kind === k}>
              ${t(`folders.kind.${k}`)}
            </option>`,
        )}
      </select>
    </td>
    <td>
      ${
        route.target.kind === 'receipt'
          ? html`<span class="muted">${t('folders.notNeeded')}</span>`
          : html`<input
                id="route-${i}-${j}-id"
                aria-label=${t('folders.idOf', { n })}
                placeholder=${t('folders.idPlaceholder')}
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
              ${fieldError(idError, `${key}.target.id`)}`
      }
    </td>
    <td>
      <button
        class="ghost small"
        aria-label=${t('folders.removeRoute', { n })}
        @click=${() => host.change((d) => d.folders[i].routes.splice(j, 1))}
      >
        ${t('folders.remove')}
      </button>
    </td>
  </tr>`;
}

function addFolder(host: SettingsView) {
  if (host.info?.mode === 'desktop')
    return html`<button class="secondary" @click=${host.pickFolder}>${t('folders.pick')}</button>`;
  // The browser view has no native picker: the path is typed, as it is on the watching machine.
  return html`<div class="field add-folder">
    <label for="new-folder">${t('folders.typed')}</label>
    <div class="inline">
      <input
        id="new-folder"
        class="grow"
        spellcheck="false"
        placeholder="/home/scans or C:\\Scans"
        @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && host.addTypedFolder()}
      />
      <button class="secondary" @click=${host.addTypedFolder}>${t('folders.add')}</button>
    </div>
  </div>`;
}
