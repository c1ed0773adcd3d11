// What the HumanEval benches share: the built CLI, the problems, a child process timed to completion, the
// environment a ptc run gets, and the slice-alternating loop that keeps a machine's changing load fair to all.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shipped HumanEval file. */
export const HUMANEVAL = join(repo, 'suites/humaneval/HumanEval.jsonl.gz');

/** Exits with a hint when dist/ is missing: the benches run the built CLI. */
export function requireBuild() {
  if (existsSync(join(repo, 'dist/cli/main.js'))) return;
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}

/** The problems of a gzipped HumanEval JSONL file, the first `limit` of them. */
export async function loadProblems(path = HUMANEVAL, limit = Infinity) {
  return gunzipSync(await readFile(path))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .slice(0, limit);
}

/** Runs a child to completion without blocking this process (the fake server lives here); times it. */
export function runChild(file, args, opts = {}) {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(file, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** `ptc <args>` from the built CLI; its JSON document, or an error with the end of its stderr. */
export async function runPtcJson(args, { cwd, env }) {
  const r = await runChild(process.execPath, [join(repo, 'bin/ptc.js'), ...args], { cwd, env });
  let doc = null;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(`ptc ${args[0]} printed no JSON (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  }
  return { ...r, doc };
}

/** A clean environment under `work`: no rc file, history or cache of the user's, a fake key. */
export function ptcEnv(work) {
  return {
    PATH: process.env.PATH,
    HOME: join(work, 'home'),
    XDG_CONFIG_HOME: join(work, 'config'),
    XDG_DATA_HOME: join(work, 'data'),
    OPENAI_API_KEY: 'fake-bench-key-0000',
    LANG: 'C.UTF-8',
  };
}

/**
 * Runs every way over each of `slices` parts of `items`, in an order that rotates from part to part, so a machine
 * that gets busier or quieter during the bench affects every way alike. Returns each way's results, part by part.
 */
export async function alternateSlices(items, slices, ways) {
  const results = ways.map(() => []);
  const size = Math.ceil(items.length / Math.max(1, slices));
  for (let slice = 0; slice * size < items.length; slice++) {
    const part = items.slice(slice * size, (slice + 1) * size);
    for (let k = 0; k < ways.length; k++) {
      const i = (k + slice) % ways.length;
      results[i].push(await ways[i](part, slice));
    }
  }
  return results;
}
