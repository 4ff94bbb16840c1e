/** Errors the command line turns into one line on stderr and an exit code (no stack trace unless --debug). */

/** A bad flag or flag combination ("--lr must be > 0, got 0"). Exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A run that had to stop (non-finite loss, interrupted); the message says what was kept. Exit code 1 or 130. */
export class RunStopped extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'RunStopped';
  }
}
