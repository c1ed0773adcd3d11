/** The default output folder: named after the prompt, new (never an existing folder). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { allLanguages } from '../languages/registry.js';

const STOP_WORDS = new Set([
  'a', 'an', 'the', 'that', 'which', 'who', 'what', 'this', 'these', 'those', 'it', 'its', 'is', 'are', 'be',
  'to', 'of', 'in', 'on', 'for', 'with', 'and', 'or', 'by', 'from', 'as', 'at', 'into', 'if', 'whether',
  'write', 'create', 'make', 'build', 'implement', 'generate', 'give', 'please', 'me', 'i', 'you', 'we',
  'can', 'could', 'would', 'should', 'some', 'simple', 'small', 'function', 'functions', 'program',
  'script', 'code', 'module', 'using', 'use', 'tests', 'test', 'returns', 'return', 'checks', 'check', 'given',
  // a language's name and its file extension say nothing about what the code does
  ...allLanguages().flatMap((l) => [l.id, l.extensions[0]!]),
]);

export const MAX_SLUG_LENGTH = 40;
const MAX_WORDS = 4;

/** `a function that checks if a number is prime` → `number-prime`; `Slugify a title` → `slugify-title`. */
export function slugFromPrompt(prompt: string): string {
  const words = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .slice(0, 2000)
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  const meaningful = words.filter((w) => !STOP_WORDS.has(w));
  const chosen = (meaningful.length > 0 ? meaningful : words).slice(0, MAX_WORDS);
  let slug = '';
  for (const word of chosen) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > MAX_SLUG_LENGTH) break;
    slug = next;
  }
  if (!slug && chosen[0]) slug = chosen[0].slice(0, MAX_SLUG_LENGTH);
  return slug || 'ptc-out';
}

/** An absolute path under `cwd` that does not exist yet: `<slug>`, else `<slug>-2`, `<slug>-3`, ... */
export function defaultOutDir(prompt: string, cwd: string): string {
  const base = slugFromPrompt(prompt);
  const root = resolve(cwd);
  if (!existsSync(join(root, base))) return join(root, base);
  for (let n = 2; ; n++) {
    const candidate = join(root, `${base}-${n}`);
    if (!existsSync(candidate)) return candidate;
  }
}
