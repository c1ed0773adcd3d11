/**
 * When a model request is on the wire. Both provider SDKs send through Node's fetch (undici), which reports each
 * request's body as sent on a diagnostics channel; work that would hold the event loop for a while (loading the
 * Daytona SDK takes a few hundred milliseconds) waits for that, so it does not hold the request back.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

const BODY_SENT = 'undici:request:bodySent';

/**
 * Resolves once the next HTTP request of this process has sent its body, or after `fallbackMs` (a provider that
 * sends nothing: a replay, or a call that fails first), whichever comes first.
 */
export function nextRequestSent(fallbackMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe(BODY_SENT, done);
      resolve();
    };
    const timer = setTimeout(done, fallbackMs);
    timer.unref();
    subscribe(BODY_SENT, done);
  });
}
