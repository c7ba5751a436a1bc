import type { Stats } from 'node:fs';

/**
 * Things in a root that can never be uploaded as they are. The watcher reports
 * them so the engine can fail them where the user sees it, instead of skipping
 * them in silence. Reasons are for people; codes are for the engine.
 */

export type ProblemCode = 'symlink' | 'bad-name' | 'unreadable' | 'not-a-file';

const NOT_FOLLOWED = 'Concur Drop does not follow links.';

/** What a symbolic link points at, as far as following it once tells. */
export type LinkTarget = 'file' | 'folder' | 'nothing' | 'loop' | 'other';

export function symlinkReason(target: LinkTarget): string {
  switch (target) {
    case 'folder':
      return `This is a shortcut (symbolic link) to a folder; ${NOT_FOLLOWED} Put the files themselves here.`;
    case 'nothing':
      return `This is a shortcut (symbolic link) to something that no longer exists; ${NOT_FOLLOWED} Put the file itself here.`;
    case 'loop':
      return `This is a shortcut (symbolic link) that leads back to itself; ${NOT_FOLLOWED} Put the file itself here.`;
    default:
      return `This is a shortcut (symbolic link) to another file; ${NOT_FOLLOWED} Put the file itself here.`;
  }
}

export const BAD_NAME_REASON =
  'The name of this file is not valid text, so Concur Drop cannot open it. Rename the file.';

export const UNREADABLE_FOLDER_REASON =
  'Concur Drop may not read this folder (permission denied). Give it read access, or move the files out.';

export const UNREADABLE_FILE_REASON =
  'Concur Drop may not read this file (permission denied). Give it read access, or copy the file again.';

/** For the root itself, said after "cannot be reached:". */
export const ROOT_UNREADABLE_REASON = 'Concur Drop may not read this folder (permission denied)';

/** The older `not-a-file` event's wording, read as "it is <reason>". */
export function describeNonFile(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe, not a file';
  if (st.isSocket()) return 'a socket, not a file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device, not a file';
  return 'not a regular file';
}

export function notAFileReason(st: Stats): string {
  const what = describeNonFile(st);
  return `This is ${what}; only regular files can be uploaded.`;
}

export function legacyLinkReason(target: LinkTarget): string {
  if (target === 'folder') return 'a link to a folder (links are not followed)';
  if (target === 'loop') return 'a symbolic link loop';
  return 'a shortcut (symbolic link); links are not followed';
}

/** The older event's wording for what it never reported before (it was skipped in silence). */
export const LEGACY = {
  badName: 'a file whose name is not valid text',
  unreadableFile: 'a file Concur Drop may not read (permission denied)',
  unreadableFolder: 'a folder Concur Drop may not read (permission denied)',
};
