import type { CliContext } from '../cli/context.js';
import { ConfigError, UsageError } from '../errors.js';
import { HistoryTooNewError } from '../history/db.js';
import { historyPath } from '../history/paths.js';
import { openHistoryForReading } from '../history/store.js';
import { GROUPINGS, type Grouping, parseSince, spendBy, sumRows } from '../history/usage-query.js';
import { renderSpend } from '../history/usage-view.js';

export interface UsageCommandOptions {
  since?: string;
  by?: string;
  json?: boolean;
}

/** `ptc usage`: spend and tokens from the local history, grouped by day, provider or model. */
export async function usageCommand(ctx: CliContext, opts: UsageCommandOptions): Promise<number> {
  const by = (opts.by ?? 'day') as Grouping;
  if (!GROUPINGS.includes(by)) {
    throw new UsageError(`--by must be one of ${GROUPINGS.join(', ')}, got "${opts.by}"`, { hint: 'ptc usage --by model' });
  }
  const since = opts.since ? parseSince(opts.since) : null;
  const path = historyPath(ctx.env);
  const db = await openHistoryForReading(path).catch((err: unknown) => {
    if (err instanceof HistoryTooNewError) {
      throw new ConfigError(err.message, { code: 'history_too_new', hint: 'upgrade ptc to read this history' });
    }
    throw new ConfigError(`cannot read the spend history at ${path}: ${(err as Error).message}`, {
      code: 'history_unreadable',
      hint: `move ${path} aside to start a new history`,
    });
  });
  let rows: ReturnType<typeof spendBy> = [];
  try {
    if (db) rows = spendBy(db, by, since);
  } finally {
    db?.close();
  }
  const total = sumRows(rows);
  if (opts.json) {
    ctx.io.print(
      JSON.stringify(
        { schemaVersion: 1, history: path, since: since === null ? null : new Date(since).toISOString(), by, rows, total },
        null,
        2,
      ),
    );
  } else {
    const sinceText = since === null ? 'all time' : `since ${new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
    ctx.io.print(renderSpend(rows, total, by, sinceText));
  }
  return 0;
}
