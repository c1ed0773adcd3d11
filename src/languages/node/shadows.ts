/**
 * What a reply may not write in a JavaScript or TypeScript project once the user's own tests take part:
 * installed packages (a `node_modules/x` the tests import would be the reply's), node's and npm's own
 * configuration, a package.json that does more than declare the code's packages, and a file named like a
 * user's test with another extension (TypeScript is run from a `.mjs` emitted beside the `.ts`).
 */

/** What a package.json may say when the user's tests take part: who it is, and which packages the code needs. */
const PACKAGE_JSON_KEYS = new Set(['name', 'version', 'description', 'private', 'license', 'type', 'dependencies', 'devDependencies']);

const CONFIG_FILES = new Set(['node.config.json', '.npmrc', '.noderc', '.node-options']);

const JS_EXT = /\.(c|m)?(j|t)sx?$/;

export function nodeShadows(path: string, content: string, acceptance: readonly string[]): string | null {
  const segments = path.split('/');
  const lower = segments.map((s) => s.toLowerCase());
  const base = lower.at(-1)!;
  if (lower.includes('node_modules')) return "inside node_modules: an installed package the user's tests import would be the reply's";
  if (CONFIG_FILES.has(base)) return "node or npm configuration: it would apply to the user's tests";
  if (base === 'package.json') {
    const extra = extraPackageKeys(content);
    if (extra) return `a package.json with ${extra}: only name, version, type and dependencies may be set beside the user's tests`;
  }
  if (JS_EXT.test(base)) {
    const stem = path.toLowerCase().replace(JS_EXT, '');
    if (acceptance.some((t) => t.toLowerCase().replace(JS_EXT, '') === stem)) {
      return "named like one of the user's test files with another extension: it would be run or imported in its place";
    }
  }
  return null;
}

function extraPackageKeys(content: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return 'content that is not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'content that is not an object';
  const extra = Object.keys(value).filter((k) => !PACKAGE_JSON_KEYS.has(k));
  return extra.length > 0 ? `"${extra.slice(0, 3).join('", "')}"` : null;
}
