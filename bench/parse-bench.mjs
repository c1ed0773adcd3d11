#!/usr/bin/env node
/**
 * Parse-time benchmark on large and adversarial replies. The parser must stay linear: each case has to
 * finish well under a second. Prints the median of 5 runs per case; exits 1 if any case takes >= 1 s.
 *
 *   npx tsc -p tsconfig.build.json && node bench/parse-bench.mjs
 */
import { cpus, loadavg } from 'node:os';
import { parseReply } from '../dist/reply/parse.js';

const RUNS = 5;
const LIMIT_MS = 1000;

const IMPL = `def is_prime(n: int) -> bool:
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True
`;
const TESTS = `import pytest
from prime import is_prime

def test_small():
    assert is_prime(7)
`;

function repeatTo(unit, bytes) {
  return unit.repeat(Math.ceil(bytes / unit.length));
}

const MB = 1024 * 1024;
const cases = [
  ['10 MB of normal named blocks', () => {
    let i = 0;
    const unit = () => `Here is part ${i}:\n\n### mod_${i}.py\n\n\`\`\`python\n${IMPL}\`\`\`\n\nAnd its tests:\n\n\`\`\`python path=test_mod_${i++}.py\n${TESTS}\`\`\`\n\n`;
    const parts = [];
    let size = 0;
    while (size < 10 * MB) { const u = unit(); parts.push(u); size += u.length; }
    return parts.join('');
  }],
  ['one 10 MB block', () => `\`\`\`python path=big.py\n${repeatTo(IMPL, 10 * MB)}\`\`\`\n`],
  ['100 000 backticks on one line', () => `Prose\n${'`'.repeat(100_000)}\nmore\n`],
  ['100 000 backtick pairs in prose', () => `${repeatTo('a `x.py` b ', 1_100_000)}\n\`\`\`python\nx = 1\n\`\`\`\n`],
  ['100 000 lines of lone backticks', () => repeatTo('`\n``\n', 300_000)],
  ['one 1 MB prose line', () => `${repeatTo('word ', MB)}\n\`\`\`python path=a.py\nx = 1\n\`\`\`\n`],
  ['one 1 MB line inside a block', () => `\`\`\`python path=a.py\nx = "${repeatTo('y', MB)}"\n\`\`\`\n`],
  ['one 1 MB info string', () => `\`\`\`python ${repeatTo('path=a.py ', MB)}\nx = 1\n\`\`\`\n`],
  ['1 MB heading line of #', () => `${'#'.repeat(MB)} x.py\n\`\`\`python\nx = 1\n\`\`\`\n`],
  ['10 000 tiny named blocks', () => {
    const parts = [];
    for (let i = 0; i < 10_000; i++) parts.push(`\`\`\`python path=f${i}.py\nx = ${i}\n\`\`\`\n`);
    return parts.join('');
  }],
  ['10 000 tiny unnamed blocks (impl/test pairs)', () => {
    const parts = [];
    for (let i = 0; i < 5_000; i++) {
      parts.push(`\`\`\`python\ndef f${i}():\n    return ${i}\n\`\`\`\n`);
      parts.push(`\`\`\`python\nfrom m${i} import f${i}\ndef test_${i}():\n    assert f${i}() == ${i}\n\`\`\`\n`);
    }
    return parts.join('');
  }],
  ['5 000 nested fences (longest outside)', () => {
    const n = 5_000;
    const open = [];
    const close = [];
    for (let i = n; i >= 3; i--) open.push(`${'`'.repeat(i)}markdown path=n${i}.md`);
    for (let i = 3; i <= n; i++) close.push('`'.repeat(i));
    return `${open.join('\n')}\nx\n${close.join('\n')}\n`;
  }],
  ['5 000 fences, each longer than the last', () => {
    const lines = [];
    for (let i = 3; i < 5_003; i++) lines.push(`${'~'.repeat(i)}python`, 'x = 1');
    return lines.join('\n');
  }],
  ['10 000 unclosed fences', () => repeatTo('```python\nx = 1\n', 10_000 * 16)],
  ['unclosed fence then 10 MB', () => `\`\`\`python path=a.py\n${repeatTo('x = 1\n', 10 * MB)}`],
  ['100 000 path lines and deletions', () => repeatTo('### a.py\n**b.py** (deleted)\nFile: c.py\n', 3 * MB)],
  ['100 000 pip install lines', () => `\`\`\`bash\n${repeatTo('pip install requests numpy>=1.2 -U\n', 3 * MB)}\`\`\`\n`],
  ['10 MB of CRLF prose', () => repeatTo('Some prose, with `code` and words.\r\n', 10 * MB)],
  ['1 MB requirement-like junk', () => `\`\`\`text path=requirements.txt\n${repeatTo('a', 200)}${repeatTo('=1', MB)}!\n\`\`\`\n`],
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

let worst = 0;
console.log(`${'case'.padEnd(46)} ${'size'.padStart(9)} ${'median'.padStart(10)}  files`);
for (const [name, build] of cases) {
  const text = build();
  const times = [];
  let files = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const parsed = parseReply(text, { lang: 'python' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    files = parsed.files.length;
  }
  const ms = median(times);
  worst = Math.max(worst, ms);
  const size = `${(text.length / MB).toFixed(2)} MB`;
  console.log(`${name.padEnd(46)} ${size.padStart(9)} ${`${ms.toFixed(1)} ms`.padStart(10)}  ${files}`);
}
console.log(`\nslowest: ${worst.toFixed(1)} ms (limit ${LIMIT_MS} ms); node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}`);
process.exitCode = worst < LIMIT_MS ? 0 : 1;
