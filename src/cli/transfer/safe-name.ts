/**
 * The name a received file gets: the sender's name reduced to its last path component, so a file
 * never lands outside the receiver's folder.
 * @module
 */

/** What a file is called when the sender's name leaves nothing usable. */
export const FALLBACK_NAME = 'received-file';

/**
 * `name` as a plain file name: only what follows its last `/` or `\`, without control characters
 * and `:` (a Windows drive or stream), without a trailing run of dots and spaces (so `.` and `..`
 * leave nothing; a hidden `.name` stays as it is), at most 255 bytes of UTF-8; {@link FALLBACK_NAME}
 * when nothing is left.
 */
export function safeFileName(name: string): string {
  const last = name.split(/[/\\]/).at(-1) ?? '';
  // eslint-disable-next-line no-control-regex
  const chars = Array.from(last.replace(/[\u0000-\u001f\u007f:]/g, ''));
  while (Buffer.byteLength(chars.join(''), 'utf8') > 255) chars.pop();
  const clean = chars.join('').replace(/[. ]+$/, '');
  return clean === '' ? FALLBACK_NAME : clean;
}
