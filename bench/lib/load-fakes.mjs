// The loopback fakes of test/fakes (TypeScript) for the benches, which are plain Node: each file is transpiled
// (types dropped, nothing checked) into a temporary folder and imported from there.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const fakesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fakes');

/** Imports test/fakes/<name>.ts for each name; returns the modules and a cleanup for the temporary folder. */
export async function loadFakes(...names) {
  const out = await mkdtemp(join(tmpdir(), 'ptc-bench-fakes-'));
  for (const file of await readdir(fakesDir)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const source = await readFile(join(fakesDir, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: file,
    });
    await writeFile(join(out, file.replace(/\.ts$/, '.js')), outputText);
  }
  const modules = {};
  for (const name of names) modules[name] = await import(pathToFileURL(join(out, `${name}.js`)).href);
  return { modules, cleanup: () => rm(out, { recursive: true, force: true }) };
}
