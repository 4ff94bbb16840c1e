/**
 * The server's queue: jobs run one at a time, in arrival order (the next starts when the previous one's promise
 * settles). A slot is reserved when a request arrives, before its body is read, so at most `max` requests are held
 * in memory at once; beyond that the caller answers 503.
 */
export class JobQueue {
  private readonly jobs: (() => Promise<void>)[] = [];
  private reserved = 0;
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Requests holding a slot: being read, waiting, or running. */
  get size(): number {
    return this.reserved;
  }

  get busy(): boolean {
    return this.running;
  }

  /** Take a slot for a new request; false when all `max` are taken. */
  reserve(): boolean {
    if (this.reserved >= this.max) return false;
    this.reserved++;
    return true;
  }

  /** Give a slot back without running anything (the request failed before reaching the queue). */
  release(): void {
    this.reserved--;
    this.checkIdle();
  }

  /** Run `job` after the jobs before it, in a slot taken by reserve(); the slot is freed when it settles. */
  run<T>(job: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push(async () => {
        try {
          resolve(await job());
        } catch (e) {
          reject(e);
        }
      });
      this.next();
    });
  }

  /** Resolves once no slot is taken (used by shutdown to drain). */
  idle(): Promise<void> {
    if (this.reserved === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): void {
    if (this.running || this.jobs.length === 0) return;
    this.running = true;
    const job = this.jobs.shift()!;
    void job().finally(() => {
      this.running = false;
      this.reserved--;
      this.checkIdle();
      this.next();
    });
  }

  private checkIdle(): void {
    if (this.reserved === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
