/** TypeScript tests on any Node: transpiled inside the sandbox copy where the Node in use cannot strip types. */
import type { Logger, Sandbox, SandboxFile } from '../../types.js';
import type { SourceFile } from '../types.js';

export const TS_SOURCE = /\.(c|m)?ts$/;

export interface PreparedTs {
  runPaths: Map<string, string>;
  jsSources: SourceFile[];
  nodeFlags: string[];
  /** The compiler's syntax errors, `calc.ts:3:1 error TS1109: Expression expected.`: node's own says no more than the token. */
  compileErrors: string[];
}

/**
 * Node 20 cannot run TypeScript. ptc transpiles each .ts file with the TypeScript compiler from its own
 * node_modules (`transpileModule`: per file, no type check, so a type error never hides a test result) to a
 * `.mjs` next to it, rewriting relative imports of .ts files to the emitted names. `.mjs` is ESM whatever a
 * package.json says, and works the same in every sandbox because nothing needs installing there. Without the
 * compiler, node's own type stripping (Node >= 22.6) is the fallback.
 */
export async function prepareTypeScript(
  sandbox: Sandbox,
  logger: Logger,
  sources: SourceFile[],
  testFiles: string[],
): Promise<PreparedTs> {
  let ts: typeof import('typescript');
  try {
    ts = ((await import('typescript')) as { default: typeof import('typescript') }).default;
  } catch {
    logger.debug('typescript compiler not found; relying on node type stripping');
    return {
      runPaths: new Map(testFiles.map((p) => [p, p])),
      jsSources: sources,
      nodeFlags: ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'],
      compileErrors: [],
    };
  }
  const tsPaths = new Set(sources.filter((s) => TS_SOURCE.test(s.path) && !s.path.endsWith('.d.ts')).map((s) => s.path));
  const emitted: SandboxFile[] = [];
  const jsSources: SourceFile[] = [];
  const compileErrors: string[] = [];
  for (const src of sources) {
    if (!tsPaths.has(src.path)) {
      jsSources.push(src);
      continue;
    }
    const out = ts.transpileModule(src.content, {
      fileName: src.path,
      compilerOptions: {
        module: src.path.endsWith('.cts') ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true, // stack traces point at the .ts lines (node --enable-source-maps)
        inlineSources: false,
      },
      reportDiagnostics: true,
    });
    for (const d of out.diagnostics ?? []) compileErrors.push(describeDiagnostic(ts, d, src.path));
    const code = rewriteTsImports(out.outputText, src.path, tsPaths);
    emitted.push({ path: emittedPath(src.path), content: code });
    jsSources.push({ path: emittedPath(src.path), content: code });
  }
  await sandbox.prepare(emitted);
  return {
    runPaths: new Map(testFiles.map((p) => [p, tsPaths.has(p) ? emittedPath(p) : p])),
    jsSources,
    nodeFlags: ['--enable-source-maps'],
    compileErrors,
  };
}

function describeDiagnostic(ts: typeof import('typescript'), d: import('typescript').Diagnostic, path: string): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
  return `${path}${at ? `:${at.line + 1}:${at.character + 1}` : ''} error TS${d.code}: ${text}`;
}

function emittedPath(path: string): string {
  return path.replace(/\.(c|m)?ts$/, (_m, kind: string | undefined) => (kind === 'c' ? '.cjs' : '.mjs'));
}

/** `./greet`, `./greet.js`, `./greet.ts` → `./greet.mjs` when `greet.ts` is one of the transpiled files. */
export function rewriteTsImports(code: string, fromPath: string, tsPaths: Set<string>): string {
  const dir = fromPath.includes('/') ? fromPath.slice(0, fromPath.lastIndexOf('/')) : '';
  return code.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])(\.{1,2}\/[^'"\n]*)\2/g,
    (whole, lead: string, quote: string, spec: string) => {
      const target = resolveTsSpecifier(dir, spec, tsPaths);
      if (!target) return whole;
      const rel = relativeSpec(dir, emittedPath(target));
      return `${lead}${quote}${rel}${quote}`;
    },
  );
}

function resolveTsSpecifier(dir: string, spec: string, tsPaths: Set<string>): string | null {
  const joined = normalizePosix(dir ? `${dir}/${spec}` : spec);
  const stem = joined.replace(/\.(c|m)?(j|t)s$/, '');
  const ext = /\.(c|m)?(j|t)s$/.exec(joined)?.[0] ?? '';
  const tsExt = ext.startsWith('.m') ? '.mts' : ext.startsWith('.c') ? '.cts' : '.ts';
  for (const candidate of [`${stem}${tsExt}`, `${stem}.ts`, `${stem}/index.ts`]) {
    if (tsPaths.has(candidate)) return candidate;
  }
  return null;
}

function normalizePosix(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function relativeSpec(fromDir: string, to: string): string {
  const from = fromDir ? fromDir.split('/') : [];
  const target = to.split('/');
  let i = 0;
  while (i < from.length && i < target.length - 1 && from[i] === target[i]) i++;
  const up = from.length - i;
  const rest = target.slice(i).join('/');
  return up === 0 ? `./${rest}` : `${'../'.repeat(up)}${rest}`;
}
