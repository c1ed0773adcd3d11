import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { RcConfig, rcSchema as RcSchema } from './schema.js';
import { assertRcFilesReadable, RcFileError } from './rc-readable.js';
import { closest } from './suggest.js';
import { FileReadProblem, readRegularFileSync } from '../util/regular-file.js';
import { valueAt } from '../util/value-at.js';

export type RcFileKind = 'user' | 'project' | 'explicit';

export interface RcFile {
  path: string;
  kind: RcFileKind;
  config: RcConfig;
}

/** An rc file that could not be used, and why (for `ptc config path`, which lists files however broken). */
export interface BrokenRcFile {
  path: string;
  kind: RcFileKind;
  error: RcFileError;
}

export const MODULE_NAME = 'ptc';

export const PROJECT_SEARCH_PLACES = [
  'package.json',
  '.ptcrc',
  '.ptcrc.json',
  '.ptcrc.yaml',
  '.ptcrc.yml',
  '.ptcrc.js',
  '.ptcrc.cjs',
  '.ptcrc.mjs',
  'ptc.config.js',
  'ptc.config.cjs',
  'ptc.config.mjs',
];

const USER_SEARCH_PLACES = ['config.json', 'config.yaml', 'config.yml', ...PROJECT_SEARCH_PLACES.slice(1)];

export function userConfigDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && xdg.trim() !== '' ? xdg : join(env.HOME ?? homedir(), '.config'), 'ptc');
}

/**
 * Finds and validates the rc files in precedence order, lowest first: user, then project.
 * `PTC_CONFIG` replaces both with the one file it names. With `onBroken`, a file that cannot be read, parsed or
 * validated is handed to it and left out instead of ending the load (an unreadable one ends the search: past
 * it cosmiconfig could wait for ever on a FIFO).
 */
export async function loadRcFiles(opts: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  warn: (message: string) => void;
  onBroken?: (file: BrokenRcFile) => void;
}): Promise<RcFile[]> {
  const explicit = opts.env.PTC_CONFIG && opts.env.PTC_CONFIG.trim() !== '' ? resolve(opts.cwd, opts.env.PTC_CONFIG) : null;
  const userDir = userConfigDir(opts.env);
  const hasUserDir = existsSync(userDir);
  const kindOf = (path: string): RcFileKind => (path === explicit ? 'explicit' : path.startsWith(userDir) ? 'user' : 'project');
  const tolerate = async <T>(step: () => T | Promise<T>): Promise<T | null> => {
    if (!opts.onBroken) return step();
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof RcFileError)) throw err;
      opts.onBroken({ path: err.path, kind: kindOf(err.path), error: err });
      return null;
    }
  };
  const readable = await tolerate(() => {
    assertRcFilesReadable({
      cwd: opts.cwd,
      explicit,
      userDir: hasUserDir ? userDir : null,
      userPlaces: USER_SEARCH_PLACES,
      projectPlaces: PROJECT_SEARCH_PLACES,
    });
    return true;
  });
  if (!readable) return [];
  // Most runs have no rc file at all: then cosmiconfig (and its parsers) need not load.
  if (!explicit && !hasUserDir && !mayHaveProjectRc(opts.cwd)) return [];
  const { cosmiconfig } = await import('cosmiconfig');
  if (explicit) {
    const path = explicit;
    const file = await tolerate(async () => {
      if (!existsSync(path)) {
        throw new RcFileError(path, `PTC_CONFIG names ${path}, which does not exist`, {
          code: 'config_not_found',
          hint: 'point PTC_CONFIG at an rc file, or unset it',
        });
      }
      const explorer = cosmiconfig(MODULE_NAME, { cache: false });
      const found = await readWith(() => explorer.load(path), path);
      return found ? validate(found.config, path, 'explicit', opts.warn, await loadSchema()) : null;
    });
    return file ? [file] : [];
  }

  const files: RcFile[] = [];
  if (hasUserDir) {
    const userExplorer = cosmiconfig(MODULE_NAME, {
      cache: false,
      searchPlaces: USER_SEARCH_PLACES,
      searchStrategy: 'none',
    });
    const file = await tolerate(async () => {
      const found = await readWith(() => userExplorer.search(userDir), userDir);
      return found && !found.isEmpty ? validate(found.config, found.filepath, 'user', opts.warn, await loadSchema()) : null;
    });
    if (file) files.push(file);
  }

  const projectExplorer = cosmiconfig(MODULE_NAME, {
    cache: false,
    searchPlaces: PROJECT_SEARCH_PLACES,
    searchStrategy: 'project',
  });
  const file = await tolerate(async () => {
    const found = await readWith(() => projectExplorer.search(opts.cwd), opts.cwd);
    if (!found || found.isEmpty || files.some((f) => f.path === found.filepath)) return null;
    return validate(found.config, found.filepath, 'project', opts.warn, await loadSchema());
  });
  if (file) files.push(file);
  return files;
}

/**
 * Whether cosmiconfig's project search from `cwd` could find anything: one of the search places, a package.json
 * with a `ptc` key (an unreadable one counts: cosmiconfig must report it), or a cosmiconfig meta config in the
 * process's directory. Walks up as the `project` strategy does, stopping at the first package.json/package.yaml.
 */
export function mayHaveProjectRc(cwd: string): boolean {
  // Each package.json is read once: the meta-config check and the walk may both look at the same one.
  const packages = new Map<string, PackageJson>();
  const pkgAt = (dir: string) => {
    if (!packages.has(dir)) packages.set(dir, readPackageJson(join(dir, 'package.json')));
    return packages.get(dir)!;
  };
  if (hasMetaConfig(process.cwd(), pkgAt(process.cwd()))) return true;
  let dir = resolve(cwd);
  for (;;) {
    const pkg = pkgAt(dir);
    if (packageHas(pkg, MODULE_NAME)) return true;
    for (const place of PROJECT_SEARCH_PLACES) {
      if (place !== 'package.json' && existsSync(join(dir, place))) return true;
    }
    if (pkg !== 'absent' || existsSync(join(dir, 'package.yaml'))) return false;
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

/**
 * A package.json: absent, there but not readable (a folder, no permission: it still ends the walk, as its mere
 * existence does for cosmiconfig), unreadable as JSON, or its parsed value.
 */
type PackageJson = 'absent' | 'unreadable' | 'unparsable' | { value: unknown };

function readPackageJson(path: string): PackageJson {
  let text: string;
  try {
    text = readRegularFileSync(path);
  } catch (err) {
    return err instanceof FileReadProblem && err.missing ? 'absent' : 'unreadable';
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return 'unparsable';
  }
}

/** Whether cosmiconfig would find `key` in it; an unparsable one counts, since cosmiconfig must report it. */
function packageHas(pkg: PackageJson, key: string): boolean {
  if (pkg === 'absent' || pkg === 'unreadable') return false;
  if (pkg === 'unparsable') return true;
  return pkg.value !== null && typeof pkg.value === 'object' && Object.hasOwn(pkg.value, key);
}

function hasMetaConfig(dir: string, pkg: PackageJson): boolean {
  return (
    packageHas(pkg, 'cosmiconfig') ||
    ['config.json', 'config.yaml', 'config.yml'].some((name) => existsSync(join(dir, '.config', name)))
  );
}

async function readWith<T>(read: () => Promise<T>, where: string): Promise<T> {
  try {
    return await read();
  } catch (err) {
    const path = fileOf(err, where);
    throw new RcFileError(path, `cannot read rc file ${path}: ${parseMessage(err)}`, {
      code: 'config_unparsable',
      hint: 'fix the syntax error at the line shown, or move the file aside',
      cause: err,
    });
  }
}

function fileOf(err: unknown, fallback: string): string {
  const filepath = (err as { filepath?: string })?.filepath;
  return filepath ?? fallback;
}

/** One line naming the line and column, from js-yaml's mark or parse-json's message. */
function parseMessage(err: unknown): string {
  const e = err as { name?: string; message?: string; mark?: { line: number; column: number }; reason?: string };
  if (e?.mark) return `${e.reason ?? 'invalid YAML'} at line ${e.mark.line + 1}, column ${e.mark.column + 1}`;
  // The code frame is coloured wherever its colour detection says so (CI, for one): read it without escapes.
  const text = stripVTControlCharacters(String(e?.message ?? err));
  // parse-json frames the error: "> 3 |   oops" marks the line; the reason is the first line without a frame.
  const marked = /^>\s*(\d+)\s*\|/m.exec(text);
  const reason = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !/^(>?\s*\d+\s*\||\||\^)/.test(l) && !l.startsWith('JSON Error in'));
  const cleaned = (reason ?? text.split('\n')[0] ?? text).replace(/ while parsing .*$/, '').trim();
  return marked ? `${cleaned} (line ${marked[1]})` : cleaned;
}

/** The rc schema, loaded only when there is a file to check (zod is the heaviest module ptc loads). */
async function loadSchema(): Promise<typeof RcSchema> {
  return (await import('./schema.js')).rcSchema;
}

export function validate(
  raw: unknown,
  path: string,
  kind: RcFileKind,
  warn: (message: string) => void,
  rcSchema: typeof RcSchema,
): RcFile {
  const name = basename(path);
  if (raw === null || raw === undefined) return { path, kind, config: {} };
  let candidate: unknown = structuredCloneSafe(raw);
  // Unknown keys are warnings: drop them and validate the rest.
  for (let attempt = 0; attempt < 20; attempt++) {
    const parsed = rcSchema.safeParse(candidate);
    if (parsed.success) return { path, kind, config: parsed.data };
    const unknown = parsed.error.issues.filter((i) => i.code === 'unrecognized_keys');
    const other = parsed.error.issues.filter((i) => i.code !== 'unrecognized_keys');
    if (other.length > 0) {
      const issue = other[0]!;
      throw new RcFileError(path, `invalid rc file ${path}: ${describeIssue(issue, candidate)}`, {
        code: 'config_invalid',
        hint: `fix "${keyPath(issue.path) || '(top level)'}" in ${name}; every key is documented in .ptcrc.example`,
      });
    }
    for (const issue of unknown) {
      for (const key of (issue as { keys: string[] }).keys) {
        const fullPath = [...issue.path.map(String), key];
        const known = knownKeysAt(rcSchema, issue.path.map(String));
        const suggestion = closest(key, known);
        warn(
          `${name}: unknown key "${fullPath.join('.')}"` +
            (suggestion ? ` (did you mean "${[...issue.path.map(String), suggestion].join('.')}"?)` : '') +
            ' — ignored',
        );
        deleteAt(candidate, fullPath);
      }
    }
  }
  return { path, kind, config: {} };
}

function structuredCloneSafe(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return JSON.parse(JSON.stringify(value));
  }
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function deleteAt(root: unknown, path: string[]): void {
  const parent = valueAt(root, path.slice(0, -1));
  if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[path.at(-1)!];
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const where = keyPath(issue.path) || '(top level)';
  const found = valueAt(root, issue.path);
  const foundText = found === undefined ? 'nothing' : JSON.stringify(found)?.slice(0, 60) ?? String(found);
  let expected: string;
  switch (issue.code) {
    case 'invalid_value':
      expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'invalid_type':
      expected = issue.expected;
      break;
    default:
      expected = issue.message;
  }
  return `"${where}" should be ${expected}, found ${foundText}`;
}

function knownKeysAt(rcSchema: typeof RcSchema, path: string[]): string[] {
  let schema: unknown = rcSchema;
  for (const key of path) {
    const shape = shapeOf(schema);
    if (!shape) return [];
    schema = shape[key];
  }
  return Object.keys(shapeOf(schema) ?? {});
}

function shapeOf(schema: unknown): Record<string, unknown> | null {
  let s = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown } | undefined;
  for (let i = 0; i < 5 && s; i++) {
    if (s.shape) return s.shape;
    if (typeof s.unwrap === 'function') s = s.unwrap() as typeof s;
    else return null;
  }
  return null;
}
