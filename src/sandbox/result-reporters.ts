/**
 * The reporters that stream each finished test case to ptc, one JSON record per line, on a channel that is not a
 * file in the code's writable tree: an inherited pipe (fd given in PTC_RESULTS_FD) in the local sandbox, or the
 * runner's stdout, each line framed with RESULT_LINE_PREFIX, where there is no pipe (Daytona).
 *
 * Every record carries a per-run key that ptc puts into RESULTS_KEY_PATH just before the run; the reporter
 * reads and deletes it before any of the code under test is loaded, so records the code writes itself do not
 * carry it. A pipe is append-only: a case reported as failed stays reported, whatever the code does later
 * (rewrite the JUnit file, os._exit(0) from an atexit handler). See result-stream.ts for the checks.
 *
 * This module is the channel's protocol; the reporters that speak it are each language's own
 * (src/languages/python/reporter.ts, src/languages/node/reporter.ts).
 */

export const RESULTS_KEY_PATH = '.ptc/results-key';
export const RESULTS_FD = 3;
export const RESULT_LINE_PREFIX = 'ptc-result ';
