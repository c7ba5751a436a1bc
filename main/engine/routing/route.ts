import { CONCUR_ID } from '../settings/schema.js';
import type { FolderSettings, Route } from '../settings/schema.js';
import type { TargetKind, UploadTarget } from '../types.js';
import { english, msg, reasonOf, targetInSentence, type Message } from '../i18n/translate.js';
import { ignoredPathReason } from './ignore.js';

export { isIgnoredPath, ignoredPathReason } from './ignore.js';

/**
 * Where a file goes in Concur, decided by where it landed under a watched root
 * (docs/architecture.md#folder-conventions): explicit routes from the settings first, then the report/,
 * entry/ and invoice/ conventions, then the folder's `unmatched` rule.
 */

export type RouteResult =
  | { kind: 'target'; target: UploadTarget }
  /** An unmatched subfolder with unmatched:'ignore', or an ignored name. */
  | { kind: 'ignore'; why: string; whyText?: Message }
  /** A convention folder that does not name a usable id; the reason names the folder. */
  | { kind: 'invalid'; reason: string; text: Message };

type IdKind = Exclude<TargetKind, 'receipt'>;

/** Convention folder names at the root, compared case-insensitively ("Report", "ENTRY"). */
const CONVENTIONS: Record<string, IdKind> = {
  report: 'report',
  entry: 'entry',
  invoice: 'invoice',
};

/** "Berlin trip [A2C40CEE415B43B2A0BE]": a name, then the id in square brackets at the end. */
const NAMED_ID = /^(.*?)\s*\[([^\]]*)\]$/s;

/** Ids in advice that nobody could mistake for a real one and paste into Concur. */
const EXAMPLE_ID: Record<IdKind, string> = {
  report: 'EXAMPLE-REPORT-ID',
  entry: 'EXAMPLE-ENTRY-ID',
  invoice: 'EXAMPLE-INVOICE-ID',
};

const invalid = (text: Message): RouteResult => ({ kind: 'invalid', ...reasonOf(text) });

/**
 * Routes one file. `relPath` is relative to the root with '/' separators,
 * including the file name. Explicit routes win (longest matching subfolder);
 * subfolder names match case-sensitively except on Windows and macOS, whose
 * file systems ignore case.
 */
export function routeFile(
  relPath: string,
  folder: FolderSettings,
  platform: NodeJS.Platform = process.platform,
): RouteResult {
  const ignored = ignoredPathReason(relPath);
  if (ignored) return { kind: 'ignore', why: ignored };

  const segments = relPath.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length <= 1) return { kind: 'target', target: { kind: 'receipt' } };
  const dirs = segments.slice(0, -1);

  const route = explicitRoute(dirs, folder.routes, platform !== 'win32' && platform !== 'darwin');
  if (route) return { kind: 'target', target: routeTarget(route) };

  const convention = CONVENTIONS[dirs[0].toLowerCase()];
  if (convention) {
    if (dirs.length === 1) {
      const name = segments[segments.length - 1];
      return invalid(
        msg('reason.directlyIn', {
          path: relPath,
          folder: dirs[0],
          kind: msg(`kind.${convention}`),
          example: `${dirs[0]}/${english.t('example.trip')} [${EXAMPLE_ID[convention]}]/${name}`,
        }),
      );
    }
    return conventionTarget(convention, dirs[0], dirs[1]);
  }

  if (folder.unmatched === 'ignore') {
    const whyText = msg('reason.unmatchedIgnored', { folder: dirs.join('/') });
    return { kind: 'ignore', why: english.say(whyText), whyText };
  }
  return { kind: 'target', target: { kind: 'receipt' } };
}

/** The route whose subfolder is the longest prefix of the file's folders, if any. */
function explicitRoute(
  dirs: string[],
  routes: readonly Route[],
  caseSensitive: boolean,
): Route | undefined {
  const fold = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const fileDirs = dirs.map(fold);
  let best: Route | undefined;
  let bestLength = 0;
  for (const route of routes) {
    const parts = splitSubfolder(route.subfolder).map(fold);
    if (parts.length === 0 || parts.length > fileDirs.length || parts.length <= bestLength) {
      continue;
    }
    if (parts.every((part, i) => part === fileDirs[i])) {
      best = route;
      bestLength = parts.length;
    }
  }
  return best;
}

/** Settings may say "Berlin/", "./Berlin" or "Trips\\Berlin"; compare by segments. */
function splitSubfolder(subfolder: string): string[] {
  return subfolder.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
}

function routeTarget(route: Route): UploadTarget {
  if (route.target.kind === 'receipt') return { kind: 'receipt' };
  const parts = splitSubfolder(route.subfolder);
  // The subfolder's own name reads better than the id in notifications ("report Berlin").
  const label = parts[parts.length - 1]?.normalize('NFC');
  return { kind: route.target.kind, id: route.target.id, ...(label ? { label } : {}) };
}

/** report|entry|invoice/<folder>/…: the id is the folder name, or in brackets at its end. */
function conventionTarget(kind: IdKind, top: string, folderName: string): RouteResult {
  const where = `${top}/${folderName}`;
  // A stray space after the bracket (easy to type, invisible in Explorer) should not matter.
  const named = NAMED_ID.exec(folderName.trim());
  if (named) {
    const [, name, id] = named;
    if (!CONCUR_ID.test(id)) {
      return invalid(msg('reason.badIdInName', { folder: where, id, kind: msg(`kind.${kind}`) }));
    }
    // macOS hands out decomposed (NFD) names; people and notifications expect NFC.
    const label = name.trim().normalize('NFC') || id;
    return { kind: 'target', target: { kind, id, label } };
  }
  if (CONCUR_ID.test(folderName)) {
    return { kind: 'target', target: { kind, id: folderName, label: folderName } };
  }
  return invalid(
    msg('reason.noIdInName', {
      folder: where,
      kindId: msg(`kindId.${kind}`),
      example: `${folderName} [${EXAMPLE_ID[kind]}]`,
    }),
  );
}

/** 'receipt' | 'report:ID' | 'entry:ID' | 'invoice:ID' — for dedupe and batching. */
export function targetKey(target: UploadTarget): string {
  return target.kind === 'receipt' ? 'receipt' : `${target.kind}:${target.id}`;
}

/**
 * For people, in English: "the receipt store", "report Berlin trip",
 * "entry A2C40CEE415B43B2A0BE", "invoice Acme [884E2WRE415B43B2A0BE]".
 * Reports are known by their name; an entry or invoice name alone is often
 * ambiguous ("Taxi"), so its full id stays beside it: cut short, two entries
 * could read the same.
 */
export function describeTarget(target: UploadTarget): string {
  return english.say(targetInSentence(target));
}
