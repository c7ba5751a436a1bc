import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Job, JobFilter, Summary } from '../../../main/engine/types.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { notify } from '../tabs.js';
import { emptyState } from './empty-state.js';
import { countsLine, emptyListText, headline, matchesFilter } from './job-format.js';
import { jobRow } from './job-row.js';
import { JobStore } from './job-store.js';

/** Rows rendered per step: the list grows as the user scrolls, so 5,000 jobs never render at once. */
const PAGE = 120;
/** How many jobs the view asks for; the ledger keeps more history than anyone scrolls through. */
const MAX_JOBS = 20_000;

const FILTERS: readonly JobFilter[] = ['all', 'active', 'failed'];

/** The status window: summary header, filters, and the jobs newest first. */
export class StatusView extends LitElement {
  static override properties = {
    summary: { state: true },
    filter: { state: true },
    shown: { state: true },
    highlighted: { state: true },
    loaded: { state: true },
    loadError: { state: true },
    revision: { state: true },
    settingsWarning: { type: String },
    mode: { type: String },
    located: { state: true },
  };

  declare summary: Summary | null;
  declare filter: JobFilter;
  declare shown: number;
  declare highlighted: string | null;
  declare loaded: boolean;
  declare loadError: string | null;
  /** Bumped (once per frame at most) when jobs change. */
  declare revision: number;
  /** Set by the app shell from getSettings. */
  declare settingsWarning: string | undefined;
  /** Set by the app shell: the browser view cannot open the watching machine's file manager. */
  declare mode: 'desktop' | 'browser' | null;
  /** The job whose file location is shown in its row (browser view). */
  declare located: { id: string; path: string } | null;

  private readonly store = new JobStore();
  private readonly unsubscribe: (() => void)[] = [];
  private pendingWhileLoading: Job[] | null = [];
  private frame = 0;
  private observer: IntersectionObserver | null = null;

  constructor() {
    super();
    this.summary = null;
    this.filter = 'all';
    this.shown = PAGE;
    this.highlighted = null;
    this.loaded = false;
    this.loadError = null;
    this.revision = 0;
    this.settingsWarning = undefined;
    this.mode = null;
    this.located = null;
  }

  // Light DOM: one stylesheet for the app, and aria references work across components.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const bridge = api();
    this.unsubscribe.push(
      bridge.onJob((job) => {
        if (this.pendingWhileLoading) this.pendingWhileLoading.push(job);
        else this.store.upsert(job);
        this.scheduleRender();
      }),
      bridge.onSummary((summary) => (this.summary = summary)),
    );
    window.addEventListener('cd-language', this.relabel);
    void this.reload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this.unsubscribe.splice(0)) off();
    window.removeEventListener('cd-language', this.relabel);
    this.observer?.disconnect();
    cancelAnimationFrame(this.frame);
  }

  private readonly relabel = (): void => void this.revision++;

  /** Fetches summary and jobs; events that arrive meanwhile are applied on top. */
  async reload(): Promise<void> {
    this.pendingWhileLoading ??= [];
    try {
      const [summary, jobs] = await Promise.all([
        api().getSummary(),
        api().getJobs('all', MAX_JOBS),
      ]);
      this.store.setAll(jobs);
      for (const job of this.pendingWhileLoading) this.store.upsert(job);
      this.summary = summary;
      this.loadError = null;
    } catch (error) {
      this.loadError = t('status.loadError', { error: (error as Error).message });
    } finally {
      this.pendingWhileLoading = null;
      this.loaded = true;
      this.revision++;
    }
  }

  /** Shows one job: clears a filter that hides it, renders down to it, scrolls and highlights. */
  async focusJob(id: string): Promise<void> {
    let job = this.store.get(id);
    if (!job) {
      await this.reload();
      job = this.store.get(id);
      if (!job) return;
    }
    if (!matchesFilter(job, this.filter)) this.filter = 'all';
    const index = this.store.list(this.filter).findIndex((j) => j.id === id);
    if (index >= this.shown) this.shown = index + 1 + PAGE / 2;
    this.highlighted = id;
    await this.updateComplete;
    const row = this.querySelector<HTMLElement>(`[data-job-id="${CSS.escape(id)}"]`);
    row?.scrollIntoView({ block: 'center' });
    row?.focus({ preventScroll: true });
    setTimeout(() => {
      if (this.highlighted === id) this.highlighted = null;
    }, 5000);
  }

  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.revision++;
    });
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    // Grow the list when its end scrolls into view; the "Show more" button does the same by keyboard.
    const sentinel = this.querySelector('.list-sentinel');
    this.observer?.disconnect();
    if (sentinel) {
      this.observer ??= new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting)) this.shown += PAGE;
        },
        { rootMargin: '600px' },
      );
      this.observer.observe(sentinel);
    }
  }

  private setFilter(filter: JobFilter): void {
    this.filter = filter;
    this.shown = PAGE;
  }

  private async retry(job: Job): Promise<void> {
    const ok = await api().retry(job.id);
    if (!ok) notify(this, t('status.cannotRetry', { name: job.name }), 'warn');
  }

  private async sendWithout(job: Job): Promise<void> {
    const ok = await api().sendWithout(job.id);
    if (!ok) notify(this, t('status.noLongerWaits', { name: job.name }), 'warn');
  }

  private async retryAll(): Promise<void> {
    const n = await api().retryAllFailed();
    notify(this, t('status.retrying', { count: n }));
  }

  private async showInFolder(job: Job): Promise<void> {
    if (this.mode === 'browser') {
      // The folder is on the watching machine, perhaps another one: say where, ready to copy.
      const path = await api().locateJob(job.id);
      if (path) this.located = this.located?.id === job.id ? null : { id: job.id, path };
      else notify(this, t('status.notInFolder', { name: job.name }), 'warn');
      return;
    }
    const ok = await api().showInFolder(job.id);
    if (!ok) notify(this, t('status.notInFolder', { name: job.name }), 'warn');
  }

  private async togglePause(): Promise<void> {
    if (this.summary?.pausedBy === 'user') await api().resume();
    else await api().pause();
    this.summary = await api().getSummary();
  }

  private openSettings(page = 'folders'): void {
    this.dispatchEvent(
      new CustomEvent('cd-navigate', { detail: `settings/${page}`, bubbles: true }),
    );
  }

  override render() {
    if (!this.loaded) return html`<p class="loading" role="status">${t('status.loading')}</p>`;
    const summary = this.summary;
    const counts = this.store.counts();
    const title = summary
      ? headline(summary, this.store.size)
      : { text: t('status.unknown'), tone: 'warn' as const };
    return html`
      <section class="summary tone-${title.tone}" aria-label=${t('status.summary')}>
        <div class="summary-text" aria-live="polite" aria-atomic="true">
          <h1 class="summary-title"><span class="dot" aria-hidden="true"></span>${title.text}</h1>
          ${summary ? html`<p class="summary-counts">${countsLine(summary)}</p>` : nothing}
        </div>
        <div class="summary-actions">
          <button class="secondary" ?disabled=${counts.retryable === 0} @click=${this.retryAll}>
            ${
              counts.retryable
                ? t('status.retryAllCount', { n: counts.retryable })
                : t('status.retryAll')
            }
          </button>
          <button class="secondary" @click=${this.togglePause}>
            ${summary?.pausedBy === 'user' ? t('status.resume') : t('status.pause')}
          </button>
        </div>
      </section>
      ${this.renderWarnings(summary)}
      ${
        this.store.size === 0 && !this.loadError
          ? emptyState(summary?.roots ?? [], () => this.openSettings())
          : this.renderList(counts)
      }
    `;
  }

  private renderWarnings(summary: Summary | null) {
    const warnings = [];
    if (this.loadError) warnings.push(html`<div class="banner error">${this.loadError}</div>`);
    if (summary?.pausedBy === 'disk-full')
      warnings.push(
        html`<div class="banner error">
          <span><strong>${t('status.diskFullTitle')}</strong> ${t('status.diskFullBody')}</span>
        </div>`,
      );
    if (summary?.pausedBy === 'sign-in')
      warnings.push(
        html`<div class="banner error">
          <span><strong>${t('status.signInTitle')}</strong> ${t('status.signInBody')}</span>
          <button class="secondary" @click=${() => this.openSettings('account')}>
            ${t('status.openAccount')}
          </button>
        </div>`,
      );
    for (const root of summary?.unavailableRoots ?? [])
      warnings.push(
        html`<div class="banner warn">
          <span
            ><strong>${t('status.unavailableTitle')}</strong> <code>${root}</code>.
            ${t('status.unavailableBody')}</span
          >
        </div>`,
      );
    if (this.settingsWarning)
      warnings.push(
        html`<div class="banner warn">
          <strong>${t('status.settingsLabel')}</strong> ${this.settingsWarning}
        </div>`,
      );
    return warnings.length ? html`<div class="banners">${warnings}</div>` : nothing;
  }

  private renderList(counts: Record<JobFilter, number>) {
    void this.revision;
    const list = this.store.list(this.filter);
    const visible = list.slice(0, this.shown);
    const rest = list.length - visible.length;
    const now = Date.now();
    return html`
      <div class="toolbar">
        <div class="segmented" role="radiogroup" aria-label=${t('status.filters')}>
          ${FILTERS.map(
            (f) =>
              html`<label class="segment ${this.filter === f ? 'is-selected' : ''}">
                <input
                  type="radio"
                  name="job-filter"
                  .value=${f}
                  .checked=${this.filter === f}
                  @change=${() => this.setFilter(f)}
                />
                ${t(`status.filter.${f}`)} <span class="count">${counts[f]}</span>
              </label>`,
          )}
        </div>
      </div>
      ${
        list.length === 0
          ? emptyListText(this.filter) &&
            html`<p class="list-empty">${emptyListText(this.filter)}</p>`
          : html`<ul class="jobs" aria-label=${t('status.list')}>
              ${repeat(
                visible,
                (job) => job.id,
                (job) =>
                  jobRow(job, {
                    now,
                    highlighted: this.highlighted === job.id,
                    pathInRow: this.mode === 'browser',
                    location: this.located?.id === job.id ? this.located.path : undefined,
                    onRetry: (j) => void this.retry(j),
                    onSendWithout: (j) => void this.sendWithout(j),
                    onShowInFolder: (j) => void this.showInFolder(j),
                  }),
              )}
            </ul>`
      }
      ${
        rest > 0
          ? html`<div class="list-more">
              <button class="ghost" @click=${() => (this.shown += PAGE)}>
                ${t('status.showMore', { n: Math.min(PAGE, rest), rest })}
              </button>
              <div class="list-sentinel" aria-hidden="true"></div>
            </div>`
          : nothing
      }
    `;
  }
}

customElements.define('cd-status', StatusView);
