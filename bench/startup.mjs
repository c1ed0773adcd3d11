// Whole-process time of `ptc --version` and `ptc --help` against bare `node -e 0`, median of N runs.
// Target: `ptc --version` at most 1.5x bare node. Run after `npm run build`: node bench/startup.mjs [runs]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 21);
const bin = join(root, 'bin/ptc.js');

function median(cmd, args) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const bare = median(process.execPath, ['-e', '0']);
const rows = [
  ['node -e 0', bare],
  ['ptc --version', median(process.execPath, [bin, '--version'])],
  ['ptc --help', median(process.execPath, [bin, '--help'])],
  ['ptc config show', median(process.execPath, [bin, 'config', 'show'])],
];
console.log(`startup, median of ${runs} runs (node ${process.version})`);
for (const [name, ms] of rows) console.log(`${name.padEnd(18)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / bare).toFixed(2)}x`);
const ratio = rows[1][1] / bare;
console.log(`ptc --version / node -e 0 = ${ratio.toFixed(2)}x (target <= 1.5x): ${ratio <= 1.5 ? 'met' : 'NOT met'}`);
