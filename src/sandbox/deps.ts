/**
 * Which third-party packages the generated code needs: the reply's own requirements list when it has one,
 * else the imports found in the code, minus the standard library, the project's own modules and the test
 * runner itself, with the well-known import→package name mismatches mapped.
 */
import { builtinModules } from 'node:module';
import { hostPython } from './env.js';
import { PYTHON_STDLIB_MODULES } from './python-stdlib.js';

export interface SourceFile {
  path: string;
  content: string;
}

/** Import names whose PyPI package is called something else. */
export const PYTHON_IMPORT_TO_PACKAGE: Readonly<Record<string, string>> = {
  yaml: 'PyYAML',
  sklearn: 'scikit-learn',
  skimage: 'scikit-image',
  PIL: 'Pillow',
  cv2: 'opencv-python',
  bs4: 'beautifulsoup4',
  dateutil: 'python-dateutil',
  dotenv: 'python-dotenv',
  jwt: 'PyJWT',
  jose: 'python-jose',
  Crypto: 'pycryptodome',
  OpenSSL: 'pyOpenSSL',
  nacl: 'PyNaCl',
  serial: 'pyserial',
  usb: 'pyusb',
  magic: 'python-magic',
  docx: 'python-docx',
  pptx: 'python-pptx',
  fitz: 'PyMuPDF',
  attr: 'attrs',
  MySQLdb: 'mysqlclient',
  psycopg2: 'psycopg2-binary',
  multipart: 'python-multipart',
  slugify: 'python-slugify',
  telegram: 'python-telegram-bot',
  discord: 'discord.py',
  gi: 'PyGObject',
  zmq: 'pyzmq',
  Bio: 'biopython',
  git: 'GitPython',
  websocket: 'websocket-client',
  dns: 'dnspython',
  ldap: 'python-ldap',
  kafka: 'kafka-python',
  faiss: 'faiss-cpu',
  pkg_resources: 'setuptools',
  mpl_toolkits: 'matplotlib',
  google: 'protobuf',
  win32api: 'pywin32',
  win32con: 'pywin32',
};

/** Never installed: the runner itself and its internals are already there. */
const PYTHON_RUNNER_MODULES = new Set(['pytest', '_pytest', 'pluggy', 'py', 'conftest']);

/** Distribution name without extras, version specifiers, markers: `requests[socks]>=2; python_version>"3"` → `requests`. */
export function requirementName(spec: string): string {
  return spec.trim().split(/[\s\[<>=!~;@(,]/, 1)[0]!.trim();
}

/** PEP 503 normalisation, for comparing package names. */
export function normalizePackageName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The import name to try for a package: the reverse of the mismatch table, else the normalised name. */
export function pythonModuleForPackage(pkg: string): string {
  const wanted = normalizePackageName(requirementName(pkg));
  for (const [module, name] of Object.entries(PYTHON_IMPORT_TO_PACKAGE)) {
    if (normalizePackageName(name) === wanted) return module;
  }
  return wanted.replaceAll('-', '_');
}

/** Top-level module names imported by Python source (absolute imports only). */
export function pythonImports(source: string): string[] {
  // Docstrings and other triple-quoted text often contain words like "import"; drop them, keep line structure.
  const code = source
    .replace(/("""|''')[\s\S]*?\1/g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/#.*$/gm, '');
  const found: string[] = [];
  for (const line of code.split('\n')) {
    const from = /^\s*from\s+([A-Za-z_][\w.]*)\s+import\b/.exec(line);
    if (from) {
      found.push(from[1]!.split('.')[0]!);
      continue;
    }
    const imp = /^\s*import\s+(.+)$/.exec(line);
    if (!imp) continue;
    for (const part of imp[1]!.split(',')) {
      const name = /^\s*([A-Za-z_][\w.]*)/.exec(part)?.[1];
      if (name) found.push(name.split('.')[0]!);
    }
  }
  return [...new Set(found)];
}

/** Module names the file set provides itself: `pkg/mod.py` → `mod` and `pkg`, `pkg/__init__.py` → `pkg`. */
function localPythonModules(files: SourceFile[]): Set<string> {
  const local = new Set<string>();
  for (const f of files) {
    const parts = f.path.replaceAll('\\', '/').split('/');
    const base = parts[parts.length - 1]!;
    if (base.endsWith('.py')) local.add(base.slice(0, -3));
    for (const dir of parts.slice(0, -1)) local.add(dir);
  }
  return local;
}

async function stdlibNames(candidates: string[]): Promise<Set<string>> {
  // The static list answers the common case without starting an interpreter; ask python only about the rest.
  if (candidates.every((c) => PYTHON_STDLIB_MODULES.has(c))) return PYTHON_STDLIB_MODULES as Set<string>;
  const python = await hostPython();
  if (!python || python.stdlibModules.length === 0) return PYTHON_STDLIB_MODULES as Set<string>;
  return new Set([...PYTHON_STDLIB_MODULES, ...python.stdlibModules]);
}

/**
 * Packages to install for Python code. `declared` (the reply's requirements) wins when non-empty; either way
 * pytest and standard-library names are never listed.
 */
export async function detectPythonDeps(files: SourceFile[], declared: string[]): Promise<string[]> {
  const declaredClean = declared.map((d) => d.trim()).filter((d) => d && !d.startsWith('#') && !d.startsWith('-'));
  if (declaredClean.length > 0) {
    const names = declaredClean.map(requirementName);
    const stdlib = await stdlibNames(names);
    return dedupe(
      declaredClean.filter((spec) => {
        const name = requirementName(spec);
        if (PYTHON_RUNNER_MODULES.has(normalizePackageName(name))) return false;
        // `json` or `typing` in a requirements list would make pip fail or install an old backport.
        return !(stdlib.has(name) && name === spec);
      }),
    );
  }
  const local = localPythonModules(files);
  const candidates = dedupe(
    files
      .filter((f) => f.path.endsWith('.py'))
      .flatMap((f) => pythonImports(f.content))
      .filter((m) => !local.has(m) && !PYTHON_RUNNER_MODULES.has(m) && !m.startsWith('_')),
  );
  const stdlib = await stdlibNames(candidates);
  return dedupe(candidates.filter((m) => !stdlib.has(m)).map((m) => PYTHON_IMPORT_TO_PACKAGE[m] ?? m));
}

/**
 * pytest plugins the tests use without importing them: a fixture they take or a marker they set. Each names the
 * distribution that provides it, so it is installed (Daytona) or checked (local) like any dependency, and loaded
 * when the sandbox runs pytest with only the plugins the code uses.
 */
const PYTEST_PLUGIN_FIXTURES: ReadonlyMap<string, string> = new Map(Object.entries({
  mocker: 'pytest-mock',
  class_mocker: 'pytest-mock',
  module_mocker: 'pytest-mock',
  session_mocker: 'pytest-mock',
  benchmark: 'pytest-benchmark',
  httpx_mock: 'pytest-httpx',
  requests_mock: 'requests-mock',
  freezer: 'pytest-freezer',
  time_machine: 'time-machine',
  faker: 'Faker',
  anyio_backend: 'anyio',
  event_loop: 'pytest-asyncio',
  aresponses: 'aresponses',
  respx_mock: 'respx',
}));
const PYTEST_PLUGIN_MARKERS: ReadonlyMap<string, string> = new Map(Object.entries({
  asyncio: 'pytest-asyncio',
  anyio: 'anyio',
  timeout: 'pytest-timeout',
  freeze_time: 'pytest-freezer',
  benchmark: 'pytest-benchmark',
  httpx_mock: 'pytest-httpx',
  respx: 'respx',
}));

/** Distributions of the pytest plugins Python sources use through fixtures or markers (see the tables above). */
export function pytestPluginsUsed(files: SourceFile[]): string[] {
  const py = files.filter((f) => f.path.endsWith('.py'));
  // A fixture the project defines itself (`def mocker(...)` in a conftest) is not a plugin's.
  const defined = new Set(py.flatMap((f) => [...f.content.matchAll(/\bdef\s+([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]!)));
  const found: string[] = [];
  for (const f of py) {
    for (const m of f.content.matchAll(/\bdef\s+\w+\s*\(([^)]*)\)/g)) {
      for (const param of m[1]!.split(',')) {
        const name = /^\s*\*{0,2}([A-Za-z_]\w*)/.exec(param)?.[1];
        const dist = name && !defined.has(name) ? PYTEST_PLUGIN_FIXTURES.get(name) : undefined;
        if (dist) found.push(dist);
      }
    }
    for (const m of f.content.matchAll(/\bpytest\.mark\.([A-Za-z_]\w*)/g)) {
      const dist = PYTEST_PLUGIN_MARKERS.get(m[1]!);
      if (dist) found.push(dist);
    }
  }
  return dedupe(found);
}

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
