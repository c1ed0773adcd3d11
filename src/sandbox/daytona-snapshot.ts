/**
 * `ptc sandbox snapshot create`: build a Daytona snapshot for Python runs with pytest (and common packages)
 * preinstalled, through the SDK's `Image` and `daytona.snapshot.create`. Daytona's default image has no
 * pytest, so without a snapshot every Python run first spends a `pip install pytest`; with `daytona.snapshot`
 * set to this snapshot's name, the run finds pytest and installs nothing it already has.
 */
import { createHash } from 'node:crypto';
import { SandboxError, abortReason } from '../errors.js';
import { silentLogger, type Logger } from '../types.js';
import { withClient, type DaytonaAccess } from './daytona-client.js';
import { isNotFound, toSandboxError } from './daytona-errors.js';

/** The Python series of the snapshot (one of the SDK's `Image.debianSlim` series). */
export const SNAPSHOT_PYTHON = '3.12';
/** pytest, the plugins ptc loads when tests use them, and the packages generated code imports most. */
export const SNAPSHOT_PACKAGES: readonly string[] = ['pytest', 'pytest-asyncio', 'hypothesis', 'numpy', 'pandas', 'requests'];

export interface SnapshotCreateOptions extends DaytonaAccess {
  /** Default: derived from the Python series and the package list, so the same content gets the same name. */
  name?: string;
  /** Added to SNAPSHOT_PACKAGES. */
  packages?: string[];
  logger?: Logger;
  /** Each line of progress: state changes and the build log. */
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

export interface SnapshotCreated {
  name: string;
  state: string;
  /** It existed already (active), so nothing was built. */
  existed: boolean;
  packages: string[];
}

export function snapshotPackages(extra: string[] = []): string[] {
  return [...new Set([...SNAPSHOT_PACKAGES, ...extra.map((p) => p.trim()).filter(Boolean)])].sort();
}

export function defaultSnapshotName(packages: string[]): string {
  const digest = createHash('sha256').update(`${SNAPSHOT_PYTHON}\n${packages.join('\n')}`).digest('hex').slice(0, 8);
  return `ptc-python${SNAPSHOT_PYTHON}-${digest}`;
}

export async function createPtcSnapshot(opts: SnapshotCreateOptions): Promise<SnapshotCreated> {
  const logger = opts.logger ?? silentLogger;
  const packages = snapshotPackages(opts.packages);
  const name = opts.name ?? defaultSnapshotName(packages);
  const errCtx = { phase: 'snapshot' as const, apiUrl: opts.apiUrl, apiKey: opts.apiKey, snapshot: name };
  const { Image } = await import('@daytonaio/sdk');
  return withClient(opts, 'snapshot', async (client) => {
    const existing = await client.snapshot.get(name).catch((err: unknown) => {
      if (isNotFound(err)) return null;
      throw toSandboxError(err, errCtx);
    });
    if (existing) {
      if (existing.state === 'active') return { name, state: existing.state, existed: true, packages };
      throw new SandboxError(`a Daytona snapshot named ${name} already exists and is ${existing.state}`, {
        code: 'sandbox_snapshot_exists',
        hint: /error|failed/.test(existing.state)
          ? 'delete it in the Daytona dashboard (Snapshots) or pass another --name'
          : 'it is still being built: wait, then run this again',
        retryable: !/error|failed/.test(existing.state),
      });
    }
    // The default image's home, so ptc's files land where they do in a default sandbox.
    const image = Image.debianSlim(SNAPSHOT_PYTHON).pipInstall(packages).workdir('/home/daytona');
    logger.progress(`building Daytona snapshot ${name} (python ${SNAPSHOT_PYTHON}, ${packages.join(', ')})`);
    // The build log arrives in chunks of any size; progress is shown a line at a time.
    const onLogs = (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) opts.onLog?.(line.trimEnd());
    };
    const building = client.snapshot.create({ name, image }, { onLogs });
    try {
      const made = await abortable(building, opts.signal);
      return { name, state: made.state ?? 'active', existed: false, packages };
    } catch (err) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      throw toSandboxError(err, errCtx);
    }
  });
}

/** Settle with `work`, or reject as soon as the signal fires (the build goes on at Daytona; that is fine). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
