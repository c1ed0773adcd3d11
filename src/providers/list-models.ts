import type { ProviderId } from '../types.js';
import type { CallContext, Failure } from './failure.js';
import { classify } from './failure.js';
import { profileFor } from './profiles.js';
import { systemErrorCode } from './call-context.js';

/**
 * The model ids a provider's own `/models` endpoint serves, through its SDK's list method (which follows the
 * pages: Anthropic's has_more/last_id; OpenAI-wire endpoints answer in one page). Failures become the same
 * ProviderErrors a generate call would give (auth, network, quota), with the key redacted.
 */
export interface ListModelsSettings {
  id: ProviderId;
  apiKey: string | null;
  apiKeySource: string | null;
  baseURL: string;
  headers?: Record<string, string>;
  /** How long to wait for the endpoint (default 30 s); `ptc doctor` waits less. */
  timeoutMs?: number;
}

const LIST_TIMEOUT_MS = 30_000;

/** The parts of a Stainless SDK error ptc reads (both SDKs share the shape). */
interface SdkErrors {
  APIError: new (...a: never[]) => Error & { status?: number; headers?: { get(n: string): string | null }; error?: unknown };
  APIConnectionError: new (...a: never[]) => Error;
  APIConnectionTimeoutError: new (...a: never[]) => Error;
}

function describe(err: unknown, sdk: SdkErrors): Failure | null {
  if (err instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout', status: null, headers: null, type: null, code: null, message: err.message };
  if (err instanceof sdk.APIConnectionError) {
    return { kind: 'connection', status: null, headers: null, type: null, code: null, message: err.message, causeCode: systemErrorCode(err) };
  }
  if (err instanceof sdk.APIError && typeof err.status === 'number') {
    const body = (err.error ?? {}) as { message?: unknown; type?: unknown; code?: unknown; error?: { message?: unknown; type?: unknown } };
    const inner = body.error ?? body;
    return {
      kind: 'http',
      status: err.status,
      headers: err.headers ?? null,
      type: typeof inner.type === 'string' ? inner.type : null,
      code: body.code != null ? String(body.code) : null,
      message: typeof inner.message === 'string' ? inner.message : err.message,
    };
  }
  return null;
}

export async function listRemoteModels(s: ListModelsSettings): Promise<string[]> {
  const profile = profileFor(s.id);
  const ctx: CallContext = { profile, model: '(model list)', baseURL: s.baseURL, apiKey: s.apiKey, apiKeySource: s.apiKeySource };
  const headers = { ...profile.headers, ...s.headers };
  let sdk: SdkErrors;
  const ids: string[] = [];
  if (profile.wire === 'anthropic') {
    const mod = await import('@anthropic-ai/sdk');
    sdk = mod as unknown as SdkErrors;
    const client = new mod.default({ apiKey: s.apiKey ?? undefined, baseURL: s.baseURL, maxRetries: 1, timeout: s.timeoutMs ?? LIST_TIMEOUT_MS, defaultHeaders: headers });
    try {
      for await (const m of client.models.list({ limit: 100 })) ids.push(m.id);
    } catch (err) {
      throw fail(err, sdk, ctx);
    }
  } else {
    const mod = await import('openai');
    sdk = mod as unknown as SdkErrors;
    const client = new mod.default({
      apiKey: s.apiKey ?? 'none',
      baseURL: s.baseURL,
      organization: null,
      project: null,
      maxRetries: 1,
      timeout: s.timeoutMs ?? LIST_TIMEOUT_MS,
      defaultHeaders: { ...headers, ...(s.apiKey === null ? { Authorization: null } : {}) } as Record<string, string>,
    });
    try {
      for await (const m of client.models.list()) ids.push(m.id);
    } catch (err) {
      throw fail(err, sdk, ctx);
    }
  }
  return [...new Set(ids)];
}

function fail(err: unknown, sdk: SdkErrors, ctx: CallContext): unknown {
  const f = describe(err, sdk);
  return f ? classify(f, ctx).error : err;
}
