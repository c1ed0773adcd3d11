/**
 * Vitest global setup: compile src/ into dist/ before any test runs. CLI tests drive the built binary, so
 * without this a `vitest run` after an edit would test the previous build and could pass.
 *
 * Cheap when nothing changed: a stamp in dist/ records the last build, and the build is skipped while no
 * source (or build setting) is newer than it. Otherwise tsc runs incrementally (its build info is in dist/,
 * so deleting dist/ starts clean).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STAMP = join(ROOT, 'dist', '.built-at');
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'scripts/write-schema.js', 'package.json'];

function newestChange(dir: string): number {
  let newest = statSync(dir).mtimeMs; // a deleted or renamed file changes its folder
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestChange(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function stampTime(): number {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return -1;
  }
}

export default function buildDist(): void {
  const sources = Math.max(newestChange(join(ROOT, 'src')), ...INPUTS.map((f) => statSync(join(ROOT, f)).mtimeMs));
  if (stampTime() > sources) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  run([tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', join('dist', '.tsbuildinfo')]);
  run([join('scripts', 'write-schema.js')]);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}
