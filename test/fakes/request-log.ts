/**
 * What a fake was asked, checked the way gh's httpmock checks: a scripted reply left unused, or a request
 * that nothing was scripted for, fails the test at `verify()` (which each fake's `close()` runs). Tests wait
 * for a request to arrive with `waitFor` instead of sleeping and hoping it has.
 */

/** How long `waitFor` waits before failing with a message rather than running into the test's timeout. */
const WAIT_LIMIT_MS = 20_000;

interface Waiter<R> {
  from: number;
  match: (r: R) => boolean;
  resolve: (r: R) => void;
}

export class RequestLog<R> {
  /** Every request, in arrival order (a test may empty it between cases). */
  readonly requests: R[] = [];
  private waiters: Waiter<R>[] = [];
  private readonly unexpected: string[] = [];

  constructor(private readonly name: string) {}

  record(request: R): void {
    this.requests.push(request);
    const index = this.requests.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index < w.from || !w.match(request)) return true;
      w.resolve(request);
      return false;
    });
  }

  /** A request came that nothing was scripted for: the fake answers with an error, and `verify()` fails. */
  unexpectedRequest(what: string): void {
    this.unexpected.push(what);
  }

  /** The first request at index `from` or later that matches, as soon as it has arrived. */
  waitFor(match: (r: R) => boolean = () => true, from = 0): Promise<R> {
    const found = this.requests.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.name}: no matching request arrived within ${WAIT_LIMIT_MS / 1000}s`));
      }, WAIT_LIMIT_MS);
      timer.unref();
      const waiter: Waiter<R> = {
        from,
        match,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Throws when stubs were left unused or requests came unscripted; either way starts afresh for the next test. */
  verify(unusedStubs: string[]): void {
    const problems = [
      ...unusedStubs.map((s) => `scripted but never requested: ${s}`),
      ...this.unexpected.map((s) => `requested but nothing was scripted: ${s}`),
    ];
    this.unexpected.length = 0;
    if (problems.length > 0) throw new Error(`${this.name}:\n  ${problems.join('\n  ')}`);
  }
}
