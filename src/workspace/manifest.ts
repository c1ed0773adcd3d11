/**
 * `.ptc/manifest.json`: what ptc wrote into an output folder, from which prompt, with which model, at
 * what cost. Never a key: the input holds none, and any value of a `*_API_KEY`/`*_TOKEN` variable that
 * still shows up is blanked before writing.
 */
import { readFile, rename, writeFile, lstat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';
import { scrubSecrets } from '../util/scrub.js';

export const MANIFEST_DIR = '.ptc';
export const MANIFEST_FILE = 'manifest.json';

/** The manifest's shape; `manifest-schema.ts` holds its zod schema, loaded only to read one back. */
export interface Manifest {
  schemaVersion: 1;
  createdAt: string;
  command?: string;
  prompt: string | null;
  provider: string | null;
  model: string | null;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number } | null;
  cost: { usd: number | null; source: 'provider' | 'catalog' | 'unknown' } | null;
  files: { path: string; kind: 'code' | 'test' | 'other'; bytes: number; sha256: string }[];
  /** The user's acceptance and hidden test files the result was checked against (absent: none). */
  userTests?: { origin: 'acceptance' | 'hidden'; path: string; sha256: string }[];
}

/** What callers give: schemaVersion and createdAt are filled in when missing; unknown fields are dropped. */
export type ManifestInput = Omit<Manifest, 'schemaVersion' | 'createdAt' | 'prompt' | 'provider' | 'model' | 'usage' | 'cost'> &
  Partial<Manifest>;

export function manifestPath(outDir: string): string {
  return join(resolve(outDir), MANIFEST_DIR, MANIFEST_FILE);
}

/** Values of secret-looking environment variables (long enough that blanking them cannot garble text). */
function secretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => /(_API_KEY|_TOKEN|_SECRET)$/i.test(name) && typeof value === 'string' && value.length >= 8)
    .map(([, value]) => value!);
}

/** `secrets`: the configured ones (configuredSecrets), which may live in `.env` or under any variable name. */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env, secrets: Iterable<string> = []): string {
  return scrubSecrets(text, [...secretValues(env), ...secrets]);
}

export async function writeManifest(outDir: string, m: ManifestInput, opts: { secrets?: Iterable<string> } = {}): Promise<Manifest> {
  const manifest: Manifest = {
    schemaVersion: 1,
    createdAt: m.createdAt ?? new Date().toISOString(),
    command: m.command,
    prompt: m.prompt ?? null,
    provider: m.provider ?? null,
    model: m.model ?? null,
    usage: m.usage ?? null,
    cost: m.cost ?? null,
    files: m.files.map(({ path, kind, bytes, sha256 }) => ({ path, kind, bytes, sha256 })),
  };
  if (manifest.command === undefined) delete manifest.command;
  if (m.userTests && m.userTests.length > 0) manifest.userTests = m.userTests.map(({ origin, path, sha256 }) => ({ origin, path, sha256 }));
  const dir = join(resolve(outDir), MANIFEST_DIR);
  const existing = await lstat(dir).catch(() => null);
  if (existing && !existing.isDirectory()) {
    throw new UsageError(`${dir} exists and is not a folder (a symlink or a file)`, {
      code: 'write_failed',
      hint: `remove ${dir}; ptc keeps its manifest there`,
    });
  }
  await makeDirs(dir);
  const text = redactSecrets(`${JSON.stringify(manifest, null, 2)}\n`, process.env, opts.secrets);
  const dest = join(dir, MANIFEST_FILE);
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, dest);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new UsageError(`could not write ${dest}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      code: 'write_failed',
      hint: `check that ${dir} is writable`,
      cause: err,
    });
  }
  return manifest;
}

/** The manifest of an output folder, or null when there is none or it is not one ptc can read. */
export async function readManifest(outDir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await readFile(manifestPath(outDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const { manifestSchema } = await import('./manifest-schema.js');
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as Manifest) : null;
  } catch {
    return null;
  }
}
