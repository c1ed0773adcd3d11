/** Which npm packages JavaScript or TypeScript code needs: the declared list, else its bare imports. */
import { builtinModules } from 'node:module';
import type { SourceFile } from '../types.js';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]!]));

/** Bare specifiers imported or required by JS/TS source (type-only imports left out). */
export function jsImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  const specs: string[] = [];
  const patterns = [
    /\bimport\s+(?!type\b)[\w*{}\s,$]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bexport\s+(?!type\b)[\w*{}\s,$]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[1]!);
  return dedupe(specs);
}

/** `@scope/pkg/sub` → `@scope/pkg`, `lodash/fp` → `lodash`; null for relative, absolute, URL and builtins. */
export function jsPackageName(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('#') || /^[a-z]+:/i.test(spec)) return null;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  if (NODE_BUILTINS.has(name)) return null;
  return name;
}

/** Never installed for JS/TS: the runner compiles TypeScript itself, and type packages change nothing at run time. */
function isJsToolingPackage(spec: string): boolean {
  const name = spec.startsWith('@') ? spec.split('@').slice(0, 2).join('@') : spec.split('@')[0]!;
  return name.startsWith('@types/') || ['typescript', 'ts-node', 'tsx'].includes(name);
}

/** Packages to install for JS/TS code: `declared` when non-empty, else the bare imports that are not builtins. */
export function detectJsDeps(files: SourceFile[], declared: string[]): string[] {
  const declaredClean = declared.map((d) => d.trim()).filter((d) => d && !isJsToolingPackage(d));
  if (declaredClean.length > 0) return dedupe(declaredClean);
  return dedupe(
    files
      .filter((f) => /\.(c|m)?(j|t)sx?$/.test(f.path))
      .flatMap((f) => jsImports(f.content))
      .map(jsPackageName)
      .filter((n): n is string => n !== null),
  );
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/** `lodash@4` → `lodash`, `@scope/pkg@^1` → `@scope/pkg`. */
export function npmName(spec: string): string {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  return at > 0 ? spec.slice(0, at) : spec;
}
