/**
 * Node workers inherit the parent's execArgv by default, and some flags make every worker die at start
 * (`node --input-type=module -e ...` gives ERR_INPUT_TYPE_NOT_ALLOWED): those are left out. Other flags
 * (--max-old-space-size, --expose-gc, --import ...) are kept.
 */

/** Flags that only make sense for the main script (how it is given, or a mode of the whole process). */
const MAIN_ONLY = ['--input-type', '--eval', '-e', '--print', '-p', '--check', '-c', '--interactive', '-i', '--test', '--watch', '--watch-path', '--watch-preserve-output', '--env-file'];
/** Of those, the ones whose value may follow as a separate argument. */
const TAKES_VALUE = ['--input-type', '--eval', '-e', '--print', '-p', '--watch-path', '--env-file'];

/** The parent's execArgv without the flags that would kill a worker (a flag's separate value goes with it). */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    const flag = a.split('=')[0];
    if (MAIN_ONLY.includes(flag) || flag.startsWith('--test-')) {
      if (!a.includes('=') && TAKES_VALUE.includes(flag)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * Start a worker_threads Worker that works whatever the parent was started with: it inherits the parent's flags
 * when none need leaving out; otherwise it gets the filtered list, less any flag Node refuses in an explicit list
 * (process-wide ones such as V8's --expose-gc, ERR_WORKER_INVALID_EXEC_ARGV: they apply to every thread anyway).
 */
export function startNodeWorker<W>(Worker: new (script: URL, options: { workerData?: unknown; execArgv?: string[] }) => W, script: URL, options: { workerData?: unknown }, execArgv: readonly string[]): W {
  let flags = workerExecArgv(execArgv);
  if (flags.length === execArgv.length) return new Worker(script, options);
  for (;;) {
    try {
      return new Worker(script, { ...options, execArgv: flags });
    } catch (e) {
      const refused = (e as { code?: string }).code === 'ERR_WORKER_INVALID_EXEC_ARGV' ? /flags: (.*)$/m.exec((e as Error).message)?.[1].split(/,\s*|\s+/) : undefined;
      const rest = refused ? flags.filter((f) => !refused.includes(f) && !refused.includes(f.split('=')[0])) : flags;
      if (rest.length === flags.length) throw e;
      flags = rest;
    }
  }
}
