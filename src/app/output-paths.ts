/**
 * Output paths given on the command line (--out, --csv): checked before the work starts, and a failed write is a
 * DataError naming the user's path and the flag, not an fs error naming a temporary file.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataError } from '../data/errors.js';

/** Why a path cannot be created, from the errno code of the failed call. */
export function writeReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'EEXIST':
      return 'is a file, not a folder (EEXIST)';
    case 'ENOTDIR':
      return 'part of the path is a file, not a folder (ENOTDIR)';
    case 'ENOENT':
      return 'its folder does not exist (ENOENT)';
    case 'EISDIR':
      return 'is a folder, not a file (EISDIR)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${err.code})`;
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    case 'EROFS':
      return 'read-only file system (EROFS)';
    default:
      return err.code ? `cannot write (${err.code})` : String(err.message ?? e);
  }
}

/** Create an output folder and its parents; a DataError naming it and the flag when that is impossible. */
export function makeOutputDir(dir: string, flag: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new DataError(dir, `cannot create the ${flag} folder: ${writeReason(e)}`);
  }
}

/** Check that a file can be created at `path` (its folder exists and is a folder), before a long run writes it. */
export function checkOutputFile(path: string, flag: string): void {
  let isDir = false;
  try {
    isDir = statSync(dirname(path)).isDirectory();
  } catch (e) {
    throw new DataError(path, `cannot write the ${flag} file: ${writeReason(e)}`);
  }
  if (!isDir) throw new DataError(path, `cannot write the ${flag} file: part of the path is a file, not a folder (ENOTDIR)`);
  try {
    if (statSync(path).isDirectory()) throw new DataError(path, `cannot write the ${flag} file: is a folder, not a file (EISDIR)`);
  } catch (e) {
    if (e instanceof DataError) throw e;
  }
}

/** Run a write of the file at `path`; an fs failure becomes a DataError naming `path` and the flag. */
export function writingOutput<T>(path: string, flag: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === undefined) throw e;
    throw new DataError(path, `cannot write the ${flag} file: ${writeReason(e)}`);
  }
}
