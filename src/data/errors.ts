/**
 * DataError: a problem with the user's input data, always naming the file (or folder) first:
 * "data/masks/a.png: mask is 64x48 but its image data/images/a.png is 64x64".
 * The CLI prints the message as one line and exits non-zero; no stack trace is needed to act on it.
 * The class is defined in the platform-neutral image layer (its decoders throw it) and re-exported here.
 */
export { DataError } from '../image/errors.js';

/** The errno code of a failed fs call, for messages ("ENOENT", "EACCES"), or the message if there is none. */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file or folder (ENOENT)';
  if (err.code === 'EACCES' || err.code === 'EPERM') return `permission denied (${err.code})`;
  if (err.code === 'EISDIR') return 'is a folder, not a file (EISDIR)';
  if (err.code === 'ENOTDIR') return 'is a file, not a folder (ENOTDIR)';
  return err.code ? `cannot read (${err.code})` : String(err.message ?? e);
}
