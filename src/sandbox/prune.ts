/**
 * `ptc sandbox prune`: find the Daytona sandboxes ptc left behind (label `app: ptc`) and delete them.
 * Only ptc's label is matched, so the user's other sandboxes are never touched.
 *
 * Sandboxes in a transitional state are reported and skipped, not deleted: Daytona refuses to delete them
 * while a state change is in progress (409), and one already `destroying` can stay there for hours
 * (daytonaio/daytona#3294); asking again on every prune would fail every prune.
 */
import type { Daytona as DaytonaClient, Sandbox as SdkSandbox } from '@daytonaio/sdk';
import { silentLogger, type Logger } from '../types.js';
import { withClient, type DaytonaAccess } from './daytona-client.js';
import { isNotFound, redactKey, statusOf, toSandboxError } from './daytona-errors.js';
import { withRateLimitRetry } from './daytona-retry.js';

export interface PtcSandboxInfo {
  id: string;
  state: string;
  createdAt: string | null;
  /** When the state last changed, as Daytona reports it. */
  updatedAt: string | null;
  labels: Record<string, string>;
}

export interface PruneResult {
  deleted: string[];
  failed: { id: string; message: string }[];
  /** Left alone: in a state Daytona cannot delete from right now. */
  skipped: { id: string; state: string; message: string }[];
}

/**
 * The states Daytona's API accepts a delete in (Sandbox.validateDesiredStateTransition, apps/api v0.190), minus
 * `destroying`, which is already on its way out. Every other state is a transition in progress.
 */
const DELETABLE_STATES = new Set(['started', 'stopped', 'archived', 'error', 'build_failed', 'archiving', 'pending_build', 'paused']);

/** One line on why a sandbox was left alone, and what to do about it. */
function skipReason(info: PtcSandboxInfo, now = Date.now()): string {
  const since = info.updatedAt ? Date.parse(info.updatedAt) : NaN;
  const age = Number.isNaN(since) ? '' : ` for ${formatAge(now - since)}`;
  if (info.state === 'destroying') {
    return `Daytona has been deleting it${age}; if it stays in destroying, contact Daytona support (daytonaio/daytona#3294)`;
  }
  return `it is ${info.state}${age}; Daytona deletes nothing mid-transition: run prune again later`;
}

function formatAge(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  return min < 60 ? `${min} min` : `${Math.round(min / 6) / 10} h`;
}

export type { DaytonaAccess };

export const PTC_LABEL = { app: 'ptc' } as const;

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
        info: {
          id: sb.id,
          state: sb.state ?? 'unknown',
          createdAt: sb.createdAt ?? null,
          updatedAt: sb.updatedAt ?? null,
          labels: { ...sb.labels },
        },
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
  const found = await withClient(opts, 'list', (client) => listWith(client, opts));
  return found.map((f) => f.info).sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
}

/** List, say what was found, then delete each (unless dryRun). A failure on one does not stop the others. */
export async function pruneSandboxes(
  opts: DaytonaAccess & { dryRun?: boolean; logger?: Logger },
): Promise<PruneResult> {
  const logger = opts.logger ?? silentLogger;
  return withClient(opts, 'list', async (client) => {
    const found = await listWith(client, opts);
    logger.info(found.length === 0 ? 'no ptc sandboxes found' : `found ${found.length} ptc sandbox(es)`);
    for (const { info } of found) {
      const note = DELETABLE_STATES.has(info.state) ? '' : '  (mid-transition: will be skipped)';
      logger.info(`  ${info.id}  ${info.state}  ${info.createdAt ?? ''}  run ${info.labels['ptc-run'] ?? '?'}${note}`);
    }
    const result: PruneResult = { deleted: [], failed: [], skipped: [] };
    const skip = (info: PtcSandboxInfo, message: string) => {
      result.skipped.push({ id: info.id, state: info.state, message });
      logger.warn(`skipped ${info.id} (${info.state}): ${message}`);
    };
    if (opts.dryRun) return result;
    for (const { info, sdk } of found) {
      if (!DELETABLE_STATES.has(info.state)) {
        skip(info, skipReason(info));
        continue;
      }
      try {
        await withRateLimitRetry(() => client.delete(sdk, 30), { what: `delete ${info.id}`, logger });
        result.deleted.push(info.id);
      } catch (err) {
        if (isNotFound(err)) {
          result.deleted.push(info.id); // gone already: what prune wanted
          continue;
        }
        if (statusOf(err) === 409) {
          // Its state changed between the list and the delete ("Sandbox state change in progress").
          skip(info, 'a state change is in progress on Daytona; run prune again later');
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
