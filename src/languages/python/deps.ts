/**
 * Which PyPI packages Python code needs: the reply's own requirements list when it has one, else the imports
 * found in the code, minus the standard library, the project's own modules and pytest itself, with the
 * well-known import→package name mismatches mapped.
 */
import { hostPython } from '../../sandbox/env.js';
import type { SourceFile } from '../types.js';
import { PYTHON_STDLIB_MODULES } from './stdlib.js';

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

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
