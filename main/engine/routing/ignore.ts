/**
 * What is never watched and never uploaded (docs/architecture.md#folder-conventions). The watcher calls this
 * for every path chokidar meets, so it only splits and compares strings.
 */

/** Folders at the root that Concur Drop itself fills with finished files. */
const OUTPUT_FOLDERS = new Set(['uploaded', 'failed']);

/** Names the OS, Office or a browser leave behind; never scans. */
const JUNK_NAMES = new Set(['thumbs.db', 'desktop.ini', '.ds_store']);

/** Names still being written: a browser download, a copy in progress, an editor's temp file. */
const PARTIAL_SUFFIXES = ['.tmp', '.part', '.crdownload'];

/** Why a single path segment (file or folder name) is never handled, or null. */
export function ignoredNameReason(segment: string): string | null {
  if (segment.startsWith('.')) return 'hidden (dot) name';
  const lower = segment.toLowerCase();
  if (JUNK_NAMES.has(lower)) return 'system file';
  // Office writes "~$Report.docx" lock files next to open documents.
  if (lower.startsWith('~$')) return 'Office lock file';
  for (const suffix of PARTIAL_SUFFIXES) {
    if (lower.endsWith(suffix)) return 'file still being written (temporary name)';
  }
  return null;
}

/** Why a root-relative path is never handled, or null when it may be. */
export function ignoredPathReason(relPath: string): string | null {
  if (relPath === '' || relPath === '.') return null;
  const segments = relPath.split('/');
  let first = true;
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (first) {
      first = false;
      // Case-insensitive: on Windows and macOS "uploaded" is the same folder as "Uploaded".
      if (OUTPUT_FOLDERS.has(segment.toLowerCase())) {
        return `inside the ${segment}/ folder, where finished scans go`;
      }
    }
    const why = ignoredNameReason(segment);
    if (why) return why;
  }
  return null;
}

/** Never watched, never uploaded (docs/architecture.md#folder-conventions): Uploaded/** and Failed/** at the root, dot names, temp and system files. Names compare case-insensitively. */
export function isIgnoredPath(relPath: string): boolean {
  return ignoredPathReason(relPath) !== null;
}
