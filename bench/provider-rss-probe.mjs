// Preloaded (--import) into a benchmarked process: on exit, appends its peak RSS in bytes to the file named by
// PTC_BENCH_RSS_FILE. Node reports maxRSS in kilobytes.
import { appendFileSync } from 'node:fs';

const file = process.env.PTC_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => appendFileSync(file, `${process.resourceUsage().maxRSS * 1024}\n`));
}
