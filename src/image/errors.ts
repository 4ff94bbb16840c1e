/**
 * DataError: a problem with the user's input data, always naming the file (or folder) first:
 * "data/masks/a.png: mask is 64x48 but its image data/images/a.png is 64x64".
 * The CLI prints the message as one line and exits non-zero; no stack trace is needed to act on it.
 * It lives here, in the platform-neutral image layer, because the decoders throw it; src/data re-exports it.
 */
export class DataError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DataError';
  }
}
