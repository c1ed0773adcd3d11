/**
 * Node's half of the untrusted-results channel (src/sandbox/result-reporters.ts): a `node --test` reporter that
 * streams each finished case to ptc, keyed, on a channel the code under test cannot rewrite.
 */
import { RESULT_LINE_PREFIX, RESULTS_KEY_PATH } from '../../sandbox/result-reporters.js';

/**
 * A custom reporter for `node --test`. It runs in the runner's own process; the test files run in child
 * processes, which neither inherit the pipe nor can read the key (deleted when this module loads, before any
 * child starts). Suites are left out: their cases are reported one by one.
 */
const NODE_REPORTER = `
import { readFileSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
let key = '';
try {
  key = readFileSync(${JSON.stringify(RESULTS_KEY_PATH)}, 'utf8').trim();
  unlinkSync(${JSON.stringify(RESULTS_KEY_PATH)});
} catch {}
const fdVar = process.env.PTC_RESULTS_FD;
delete process.env.PTC_RESULTS_FD;
const fd = fdVar ? Number(fdVar) : 1;
const prefix = fdVar ? '' : ${JSON.stringify(`\n${RESULT_LINE_PREFIX}`)};
function emit(rec) {
  let data = Buffer.from(prefix + JSON.stringify({ ...rec, k: key }) + '\\n');
  while (data.length > 0) data = data.subarray(writeSync(fd, data));
}
emit({ t: 'start' });
export default async function* ptcResults(source) {
  const path = [];
  let seq = 0;
  for await (const { type, data } of source) {
    if (type === 'test:start') {
      path[data.nesting] = data.name;
      path.length = data.nesting + 1;
      continue;
    }
    if ((type !== 'test:pass' && type !== 'test:fail') || data.details?.type === 'suite') continue;
    const error = data.details?.error;
    const status = data.skip !== undefined || data.todo !== undefined ? 'skipped' : type === 'test:pass' ? 'passed' : 'failed';
    emit({
      t: 'case',
      id: String(seq++),
      name: [...path.slice(0, data.nesting), data.name].join(' > '),
      // The file's own entry (a load error, or a file without tests): Node 20 names it by its absolute path,
      // Node 22+ relative to the working directory.
      fileLevel: data.nesting === 0 && typeof data.file === 'string' && resolve(data.name) === data.file,
      status,
      failureType: error?.failureType ?? null,
      ms: Math.round(data.details?.duration_ms ?? 0),
      msg: error ? String(error.cause?.stack ?? error.cause ?? error.message ?? error).slice(0, 4000) : null,
    });
  }
  emit({ t: 'end' });
}
`;

/** The reporter as a `data:` URL for `--test-reporter`: nothing to write into the sandbox, nothing to alter. */
export function nodeReporterUrl(): string {
  return `data:text/javascript,${encodeURIComponent(NODE_REPORTER)}`;
}
