/**
 * Import cycles in src/, found from the source text (no dependency graph tool needed). A cycle is reported
 * as the set of files that import one another round a loop (a strongly connected component of the import
 * graph). Every import counts, as madge counts them: type-only ones and lazy `await import()` too, because
 * the question is which parts know of which, not only what loads first.
 *
 * There are none, and KNOWN_CYCLES stays empty: the front ends import the application layer (src/app) and
 * never each other, and types two files share live in a file of their own. A new cycle fails this test;
 * break it rather than list it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const KNOWN_CYCLES: string[][] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of a file (static, type-only and `await import()`), as src-relative .ts paths. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    let spec: ts.Expression | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) spec = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) spec = node.arguments[0];
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.')) {
      out.push(relative(SRC, resolve(dirname(file), spec.text.replace(/\.js$/, '.ts'))));
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest));
  return out;
}

/** Tarjan's strongly connected components with more than one member (or a file importing itself). */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const members: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        members.push(w);
      } while (w !== v);
      if (members.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(members.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

describe('import cycles in src/', () => {
  it('reads static, type-only, re-exported and lazy imports, and finds a cycle', () => {
    const f = (name: string) => join(SRC, name);
    const text = "import { y } from '../b/y.js';\nimport type { Z } from './z.js';\nexport { w } from './w.js';\nimport 'node:fs';\nconst v = async () => import('./v.js');";
    expect(importsOf(f('a/x.ts'), text)).toEqual(['b/y.ts', 'a/z.ts', 'a/w.ts', 'a/v.ts']);
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cyclesOf(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('has no import cycles (a new one fails: break it rather than list it)', () => {
    const graph = new Map<string, string[]>();
    for (const file of sourceFiles(SRC)) graph.set(relative(SRC, file), importsOf(file, readFileSync(file, 'utf8')));
    expect(cyclesOf(graph)).toEqual(KNOWN_CYCLES);
  });
});
