import type { Logger } from '../types.js';

/** A logger without spinners: a server's stderr is a log, and progress goes to the client instead. */
export function quietProgress(logger: Logger): Logger {
  return { info: (m) => logger.info(m), warn: (m) => logger.warn(m), debug: (m) => logger.debug(m), progress: () => {} };
}
