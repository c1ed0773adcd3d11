/**
 * `ptc sandbox prune`: find the Daytona sandboxes ptc left behind (label `app: ptc`) and delete them.
 * Only ptc's label is matched, so the user's other sandboxes are never touched.
 */
import type { Daytona as DaytonaClient, Sandbox as SdkSandbox } from '@daytonaio/sdk';
import { ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../types.js';
import { isNotFound, redactKey, toSandboxError } from './daytona-errors.js';

export interface DaytonaAccess {
  apiKey: string;
  apiUrl: string;
  target?: string;
}

export interface PtcSandboxInfo {
  id: string;
  state: string;
  createdAt: string | null;
  labels: Record<string, string>;
}

export interface PruneResult {
  deleted: string[];
  failed: { id: string; message: string }[];
}

export const PTC_LABEL = { app: 'ptc' } as const;

async function openClient(opts: DaytonaAccess): Promise<DaytonaClient> {
  if (!opts.apiKey) {
    throw new ConfigError('no Daytona API key is configured', {
      code: 'config_missing_key',
      hint: 'set DAYTONA_API_KEY',
    });
  }
  const { Daytona } = await import('@daytonaio/sdk');
  try {
    return new Daytona({
      apiKey: opts.apiKey,
      apiUrl: opts.apiUrl,
      ...(opts.target ? { target: opts.target } : {}),
      requestTimeoutMs: 60_000,
    });
  } catch (err) {
    throw toSandboxError(err, { phase: 'list', apiUrl: opts.apiUrl, apiKey: opts.apiKey });
  }
}

async function withClient<T>(opts: DaytonaAccess, use: (client: DaytonaClient) => Promise<T>): Promise<T> {
  const client = await openClient(opts);
  try {
    return await use(client);
  } finally {
    await client[Symbol.asyncDispose]().catch(() => {});
  }
}

interface Found {
  info: PtcSandboxInfo;
  sdk: SdkSandbox;
}

async function listWith(client: DaytonaClient, opts: DaytonaAccess): Promise<Found[]> {
  const found: Found[] = [];
  try {
    for await (const sb of client.list({ labels: { ...PTC_LABEL } })) {
      // Filter again here: a server that ignored the label filter must not make prune delete foreign sandboxes.
      if (sb.labels?.app !== PTC_LABEL.app) continue;
      if (sb.state === 'destroyed') continue;
      found.push({
        info: { id: sb.id, state: sb.state ?? 'unknown', createdAt: sb.createdAt ?? null, labels: { ...sb.labels } },
        sdk: sb,
      });
    }
  } catch (err) {
    throw toSandboxError(err, { phase: 'list', apiUrl: opts.apiUrl, apiKey: opts.apiKey });
  }
  return found;
}

/** The ptc sandboxes that still exist, oldest first. */
export async function listPtcSandboxes(opts: DaytonaAccess): Promise<PtcSandboxInfo[]> {
  const found = await withClient(opts, (client) => listWith(client, opts));
  return found.map((f) => f.info).sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
}

/** List, say what was found, then delete each (unless dryRun). A failure on one does not stop the others. */
export async function pruneSandboxes(
  opts: DaytonaAccess & { dryRun?: boolean; logger?: Logger },
): Promise<PruneResult> {
  const logger = opts.logger ?? silentLogger;
  return withClient(opts, async (client) => {
    const found = await listWith(client, opts);
    logger.info(found.length === 0 ? 'no ptc sandboxes found' : `found ${found.length} ptc sandbox(es)`);
    for (const { info } of found) {
      logger.info(`  ${info.id}  ${info.state}  ${info.createdAt ?? ''}  run ${info.labels['ptc-run'] ?? '?'}`);
    }
    const result: PruneResult = { deleted: [], failed: [] };
    if (opts.dryRun) return result;
    for (const { info, sdk } of found) {
      try {
        await client.delete(sdk, 30);
        result.deleted.push(info.id);
      } catch (err) {
        if (isNotFound(err)) {
          result.deleted.push(info.id); // gone already: what prune wanted
          continue;
        }
        const message = redactKey(toSandboxError(err, { phase: 'delete', apiUrl: opts.apiUrl, apiKey: opts.apiKey }).message, opts.apiKey);
        result.failed.push({ id: info.id, message });
        logger.warn(`could not delete ${info.id}: ${message}`);
      }
    }
    return result;
  });
}
