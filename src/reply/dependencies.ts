/**
 * Packages a reply names: `pip install x y`, `npm i x`, a requirements.txt, a `deps:` line, package.json.
 * Kept as written (with any version), deduplicated by package name.
 */

const INSTALLERS: string[][] = [
  ['python', '-m', 'pip', 'install'], ['python3', '-m', 'pip', 'install'], ['uv', 'pip', 'install'],
  ['pip', 'install'], ['pip3', 'install'], ['uv', 'add'], ['poetry', 'add'], ['pipenv', 'install'],
  ['npm', 'install'], ['npm', 'i'], ['npm', 'add'], ['yarn', 'add'], ['pnpm', 'add'], ['pnpm', 'install'],
  ['pnpm', 'i'], ['bun', 'add'], ['bun', 'install'],
];

/** The package name of a requirement (`numpy>=1.2` → `numpy`, `@types/node@20` → `@types/node`). */
export function packageName(spec: string): string {
  let s = spec.trim();
  if (s.startsWith('@')) {
    const at = s.indexOf('@', 1);
    return (at > 0 ? s.slice(0, at) : s).toLowerCase();
  }
  const cut = s.search(/[<>=!~;@\[\s]/);
  if (cut > 0) s = s.slice(0, cut);
  return s.toLowerCase().replace(/_/g, '-');
}

// Name, optional extras, then version clauses. The character classes of neighbouring parts are disjoint,
// so the match is linear (no backtracking blow-up on long junk).
const PACKAGE_RE = /^@?[A-Za-z0-9][A-Za-z0-9._\-/]*(\[[A-Za-z0-9,._\-]*\])?([<>=!~^@]{1,3}[A-Za-z0-9.*+\-_]+,?)*$/;

/** `numpy >= 1.2, < 2` → `numpy>=1.2,<2` (a requirement with its spaces taken out). */
function compact(line: string): string {
  return line.slice(0, 300).replace(/\s+/g, '');
}

/** A plausible requirement specifier (not a flag, URL, path or sentence). */
export function isPackageSpec(word: string): boolean {
  return word.length > 0 && word.length <= 200 && PACKAGE_RE.test(word);
}

/** Packages installed by one shell command line; [] when it installs nothing. */
export function packagesFromCommand(line: string): string[] {
  const found: string[] = [];
  for (const part of line.slice(0, 2000).split(/&&|;|\|\|/)) {
    let words = part.trim().replace(/^\$\s*/, '').replace(/^>\s*/, '').split(/\s+/).filter(Boolean);
    if (words[0] === 'sudo') words = words.slice(1);
    const installer = INSTALLERS.find((w) => w.every((x, i) => words[i] === x));
    if (!installer) continue;
    let skipNext = false;
    for (const raw of words.slice(installer.length)) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      const w = raw.replace(/^["']|["']$/g, '');
      if (w === '-r' || w === '--requirement' || w === '-c' || w === '--constraint' || w === '-e' || w === '--index-url' || w === '-i') {
        skipNext = true;
        continue;
      }
      if (w.startsWith('-') || w === '.' || w.startsWith('#')) {
        if (w.startsWith('#')) break;
        continue;
      }
      if (isPackageSpec(w)) found.push(w);
    }
  }
  return found;
}

/** Packages in a requirements.txt body. */
export function packagesFromRequirements(content: string): string[] {
  const found: string[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith('-')) continue;
    const spec = compact(line.split(';')[0]!);
    if (isPackageSpec(spec)) found.push(spec);
  }
  return found;
}

/** Is every non-comment line of a block a requirement specifier? */
export function looksLikeRequirements(content: string): boolean {
  let count = 0;
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/[A-Za-z0-9]\s+[A-Za-z0-9]/.test(line.slice(0, 300)) || !isPackageSpec(compact(line))) return false;
    count++;
  }
  return count > 0;
}

const PROSE_WORDS = new Set([
  'the', 'a', 'an', 'are', 'is', 'no', 'not', 'none', 'and', 'or', 'for', 'with', 'to', 'of', 'in', 'needed',
  'required', 'only', 'just', 'this', 'that', 'uses', 'use', 'standard', 'library', 'built-in', 'builtin',
]);

/** `deps: left-pad, zod@4` or `Dependencies: requests` on a prose line. */
export function packagesFromDepsLine(line: string): string[] | null {
  if (!/^\s{0,8}[*_`]{0,3}d/i.test(line.slice(0, 16))) return null; // cheap: most prose lines stop here
  const t = line.trim().replace(/^[*_`]+/, '');
  const m = /^(deps|dependencies)[*_`]*\s*:[*_`]*\s*(.*)$/i.exec(t.slice(0, 1000));
  if (!m) return null;
  const words = m[2]!.replace(/`/g, '').split(/[\s,]+/).filter(Boolean);
  if (words.length === 1 && /^(none|n\/a|-)\.?$/i.test(words[0]!)) return [];
  // A sentence ("there are no packages needed.") is made of package-like words too.
  if (/\.$/.test(m[2]!.trim()) || words.some((w) => PROSE_WORDS.has(w.toLowerCase()))) return null;
  if (words.length === 0 || words.some((w) => !isPackageSpec(w))) return null;
  return words;
}

/** dependencies and devDependencies of a package.json block. */
export function packagesFromPackageJson(content: string): string[] {
  try {
    const json = JSON.parse(content) as { dependencies?: unknown; devDependencies?: unknown };
    const names: string[] = [];
    for (const group of [json.dependencies, json.devDependencies]) {
      if (group && typeof group === 'object') names.push(...Object.keys(group));
    }
    return names.filter(isPackageSpec);
  } catch {
    return [];
  }
}

/** Add packages to a list, keeping the first spelling of each name. */
export class DependencyList {
  private readonly byName = new Map<string, string>();
  add(specs: Iterable<string>): void {
    for (const spec of specs) {
      const name = packageName(spec);
      if (name && !this.byName.has(name)) this.byName.set(name, spec);
    }
  }
  list(): string[] {
    return [...this.byName.values()];
  }
}
