import { html, nothing } from 'lit';
import {
  INSECURE_PROBLEM,
  settingsSchema,
  USERINFO_PROBLEM,
} from '../../../main/engine/settings/schema.js';
import { t } from '../i18n.js';

/**
 * Validation as you type, with the engine's own zod schema (the single source):
 * each problem keyed by its path, e.g. "folders.0.routes.1.target.id", so the
 * message can sit next to the field it is about. The message is a sentence
 * that names the field as the window shows it ("Folder 1, route 2: the
 * Concur ID is empty."); the key path is for the code and the CLI only.
 */
export function draftErrors(draft: unknown): Map<string, string> {
  const errors = new Map<string, string>();
  const result = settingsSchema.safeParse(draft);
  if (result.success) return errors;
  for (const issue of result.error.issues) {
    const key = issue.path.join('.');
    if (!errors.has(key)) errors.set(key, issueSentence(issue, draft));
  }
  return errors;
}

/** What a zod issue needs to be put into words. */
export interface SettingsIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  origin?: string;
  expected?: string;
  minimum?: unknown;
  maximum?: unknown;
}

/** The field an issue is about, as the Settings pages name it. */
function fieldName(path: PropertyKey[]): string {
  const key = path.join('.');
  let m = /^folders\.(\d+)\.path$/.exec(key);
  if (m) return t('field.folderPath', { folder: Number(m[1]) + 1 });
  m = /^folders\.(\d+)\.routes\.(\d+)\.(subfolder|target\.id|target\.kind|target)$/.exec(key);
  if (m) {
    const which = { subfolder: 'routeSubfolder', 'target.id': 'routeId' }[m[3]] ?? 'routeKind';
    return t(`field.${which}`, { folder: Number(m[1]) + 1, route: Number(m[2]) + 1 });
  }
  if (key === 'concur.baseUrl') return t('field.baseUrl');
  if (key === 'concurrency') return t('field.concurrency');
  if (key === 'language') return t('field.language');
  return t('field.other', { key });
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let value = root;
  for (const part of path) value = (value as Record<PropertyKey, unknown> | null)?.[part];
  return value;
}

/** One sentence for one issue, naming the field as the user sees it. */
export function issueSentence(issue: SettingsIssue, draft: unknown): string {
  const field = fieldName(issue.path);
  const value = valueAt(draft, issue.path);
  const last = issue.path[issue.path.length - 1];
  if (value === '' || (issue.origin === 'string' && issue.code === 'too_small'))
    return t('problem.empty', { field });
  if (issue.code === 'too_small')
    return t('problem.tooSmall', { field, min: String(issue.minimum) });
  if (issue.code === 'too_big') return t('problem.tooBig', { field, max: String(issue.maximum) });
  if (issue.code === 'invalid_type')
    return t(issue.expected === 'int' ? 'problem.notWhole' : 'problem.notNumber', { field });
  if (issue.code === 'invalid_format' && last === 'id') return t('problem.badId', { field });
  if (issue.message === INSECURE_PROBLEM) return t('problem.https', { field });
  if (issue.message === USERINFO_PROBLEM) return t('problem.userinfo', { field });
  if (last === 'baseUrl') return t('problem.url', { field });
  if (last === 'subfolder') return t('problem.outside', { field });
  if (last === 'path' && issue.code === 'custom') return t('problem.overlap', { field });
  return t('problem.invalid', { field });
}

/** The id of a field's error element, for aria-describedby. */
export const errorId = (key: string) => `error-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** The sentence under a field, or nothing; it names the field, so it stands alone. */
export function fieldError(message: string | undefined, key: string) {
  return message
    ? html`<p class="field-error" id=${errorId(key)}>
        <span aria-hidden="true">⚠ </span>${message}
      </p>`
    : nothing;
}
