/**
 * A Daytona SDK client for the account-level commands (prune, snapshot create), loaded lazily, closed after use.
 */
import type { Daytona as DaytonaClient } from '@daytonaio/sdk';
import { ConfigError } from '../errors.js';
import { toSandboxError, type DaytonaPhase } from './daytona-errors.js';

export interface DaytonaAccess {
  apiKey: string;
  apiUrl: string;
  target?: string;
}

async function openClient(opts: DaytonaAccess, phase: DaytonaPhase): Promise<DaytonaClient> {
  if (!opts.apiKey) {
    throw new ConfigError('no Daytona API key is configured', {
      code: 'config_missing_key',
      hint: 'set DAYTONA_API_KEY',
    });
  }
  const { Daytona } = await import('@daytonaio/sdk');
  try {
    // apiUrl and target are passed explicitly so ptc's resolved config wins over env and .env files.
    return new Daytona({
      apiKey: opts.apiKey,
      apiUrl: opts.apiUrl,
      ...(opts.target ? { target: opts.target } : {}),
      requestTimeoutMs: 60_000,
    });
  } catch (err) {
    throw toSandboxError(err, { phase, apiUrl: opts.apiUrl, apiKey: opts.apiKey });
  }
}

export async function withClient<T>(
  opts: DaytonaAccess,
  phase: DaytonaPhase,
  use: (client: DaytonaClient) => Promise<T>,
): Promise<T> {
  const client = await openClient(opts, phase);
  try {
    return await use(client);
  } finally {
    await client[Symbol.asyncDispose]().catch(() => {});
  }
}
