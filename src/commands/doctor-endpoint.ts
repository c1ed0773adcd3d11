import { ProviderError, PtcError } from '../errors.js';
import { closest } from '../config/suggest.js';
import type { ProviderId } from '../types.js';
import type { Check } from './doctor-check.js';

const PROBE_TIMEOUT_MS = 10_000;

export interface EndpointProbe {
  id: ProviderId;
  baseURL: string;
  apiKey: string | null;
  apiKeySource: string | null;
  /** Whether the provider can go without a key (openai-compatible: local servers). */
  keyOptional: boolean;
  headers?: Record<string, string>;
  /** The model a generate would ask for, to look for in the list. */
  model: string | null;
}

/**
 * The endpoint and the key in one cheap request: the provider's model list, authenticated as a generate call
 * would be (it costs nothing). Without a key the same path is asked unauthenticated, which still tells a
 * server that is there (401) from a wrong base URL (404). Returns the endpoint check and, when a model list
 * came back, the model check.
 */
export async function probeEndpoint(p: EndpointProbe): Promise<Check[]> {
  const name = `endpoint ${p.id}`;
  if (!p.apiKey && !p.keyOptional) return [await unauthenticatedProbe(name, p.baseURL)];
  const { listRemoteModels } = await import('../providers/list-models.js');
  let ids: string[];
  try {
    ids = await listRemoteModels({ id: p.id, apiKey: p.apiKey, apiKeySource: p.apiKeySource, baseURL: p.baseURL, headers: p.headers, timeoutMs: PROBE_TIMEOUT_MS });
  } catch (err) {
    return [failedListing(name, p, err)];
  }
  const checks: Check[] = [
    { name, status: 'ok', detail: `${p.baseURL} ${p.apiKey ? 'accepted the key' : 'answered without a key'}: ${ids.length} model${ids.length === 1 ? '' : 's'} listed` },
  ];
  if (p.model) checks.push(modelCheck(p, ids));
  return checks;
}

function failedListing(name: string, p: EndpointProbe, err: unknown): Check {
  if (!(err instanceof PtcError)) throw err;
  const status = err instanceof ProviderError ? err.status : null;
  if (status === 401 || status === 403) {
    return { name, status: 'fail', detail: `${p.baseURL} refused the key (HTTP ${status})`, hint: err.hint ?? undefined };
  }
  if (status === 404) {
    return { name, status: 'fail', detail: `${p.baseURL}/models not found (HTTP 404): not an API base URL`, hint: baseUrlHint(p.id) };
  }
  if (err.code === 'provider_network') {
    const cause = /\(([A-Z_]+)\)$/.exec(err.message)?.[1];
    return { name, status: 'fail', detail: `cannot reach ${p.baseURL}${cause ? ` (${cause})` : ''}`, hint: err.hint ?? undefined };
  }
  if (status === 429) {
    // Rate limited: the key was accepted, the endpoint is busy.
    return { name, status: 'warn', detail: `${p.baseURL} is rate limiting requests (HTTP 429)`, hint: err.hint ?? undefined };
  }
  return { name, status: 'fail', detail: err.message, hint: err.hint ?? undefined };
}

function baseUrlHint(id: ProviderId): string {
  const option = id === 'openai-compatible' ? '--base-url or providers.openai-compatible.baseURL' : `--base-url or providers.${id}.baseURL`;
  return `check ${option}: it is the part before /chat/completions, usually ending in /v1 (e.g. http://localhost:11434/v1)`;
}

/** A model the list does not name may still be served (an alias, say): a warning, not a failure. */
function modelCheck(p: EndpointProbe, ids: string[]): Check {
  const name = `model ${p.id}`;
  if (ids.includes(p.model!)) return { name, status: 'ok', detail: `${p.model} is served` };
  const near = closest(p.model!, ids);
  return {
    name,
    status: 'warn',
    detail: `${p.model} is not in the endpoint's list of ${ids.length}${near ? ` (did you mean "${near}"?)` : ''}`,
    hint: `\`ptc models --remote -p ${p.id}\` lists what it serves; pass one with --model`,
  };
}

/** No key to send: any answer of the model list's path but 404 shows an API there. */
async function unauthenticatedProbe(name: string, baseURL: string): Promise<Check> {
  const url = `${baseURL}/models`;
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    if (res.status === 404) return { name, status: 'fail', detail: `${url} not found (HTTP 404): not an API base URL`, hint: 'check --base-url or the providers.<id>.baseURL setting' };
    return { name, status: 'ok', detail: `${baseURL} answered (HTTP ${res.status}); the key is not checked without one` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return { name, status: 'fail', detail: `cannot reach ${baseURL} (${cause})`, hint: 'check the network, a proxy, or the base URL' };
  }
}
