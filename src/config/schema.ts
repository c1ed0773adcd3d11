import { z } from 'zod';
import { parseSize, SIZE_PATTERN } from '../sandbox/limits.js';
import { PROVIDER_IDS, PYTEST_PLUGIN_POLICIES } from '../types.js';
import { MAX_TIMEOUT_SECONDS, TIMEOUT_RANGE } from '../util/timer-range.js';
import { configOptionShape } from './option-schemas.js';

/**
 * The rc file, validated. Objects are strict so a misspelt key is found; the loader turns unknown keys into
 * warnings with a suggestion rather than errors, and everything else into one clear error.
 */

const positiveInt = z.number().int().positive();

/** Any timeout in seconds, wherever it comes from (rc file, batch task line, MCP/HTTP body): in the timer's range. */
export const timeoutSeconds = z.number().positive().max(MAX_TIMEOUT_SECONDS, TIMEOUT_RANGE);

export const providerConfigSchema = z.strictObject({
  apiKey: z.string().min(1).optional().describe('a literal key (discouraged: prefer apiKeyEnv)'),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as MY_KIMI_KEY')
    .optional(),
  baseURL: z.url().optional(),
  model: z.string().min(1).optional(),
  region: z.enum(['intl', 'cn']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const priceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheRead: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
});

/** A size limit: "2GiB", "512MiB", "100M"; false for none. */
const sizeLimit = z.union([
  z
    .string()
    .refine((v) => SIZE_PATTERN.test(v) && parseSize(v) > 0, 'a size above zero such as "2GiB" or "512MiB" (false: no limit)'),
  z.literal(false),
]);

export const rcSchema = z.strictObject({
  // provider, model, lang, out, run, sandbox, fix, maxTokens, temperature, timeout, maxCost, protectTests.
  ...configOptionShape(),
  providers: z
    .strictObject(
      Object.fromEntries(PROVIDER_IDS.map((id) => [id, providerConfigSchema.optional()])) as Record<
        (typeof PROVIDER_IDS)[number],
        z.ZodOptional<typeof providerConfigSchema>
      >,
    )
    .optional(),
  pricing: z.record(z.string(), priceSchema).optional(),
  catalog: z
    .strictObject({ url: z.url({ protocol: /^https?$/ }).optional().describe('where `ptc models --update` fetches prices from') })
    .optional(),
  prompt: z
    .strictObject({ system: z.string().optional(), systemAppend: z.string().optional() })
    .optional(),
  limits: z
    .strictObject({
      maxFiles: positiveInt.optional(),
      maxBytes: positiveInt.optional(),
      maxFileBytes: positiveInt.optional(),
      contextBytes: positiveInt.optional().describe('bytes of --tests and --context files the prompt may carry (default 102400)'),
    })
    .optional(),
  local: z
    .strictObject({
      isolation: z.enum(['auto', 'bwrap', 'none']).optional(),
      python: z
        .string()
        .trim()
        .min(1)
        .optional()
        .describe('the python to run tests with (a path, or a name on PATH); default: the first python3, then python, on PATH that has pytest'),
      testTimeout: timeoutSeconds.optional(),
      keep: z.boolean().optional(),
      pytestPlugins: z.enum(PYTEST_PLUGIN_POLICIES).optional(),
      limits: z
        .strictObject({
          memory: sizeLimit.optional().describe('writable memory per process (default "2GiB")'),
          processes: z.union([positiveInt, z.literal(false)]).optional().describe('processes and threads (default 1024)'),
          fileSize: sizeLimit.optional().describe('largest file the code may write (default "1GiB")'),
          tmp: sizeLimit.optional().describe("size of the jail's /tmp, which is RAM (default \"512MiB\")"),
          disk: sizeLimit.optional().describe('how much the code may add to its copy of the files (default "2GiB")'),
        })
        .optional(),
    })
    .optional(),
  daytona: z
    .strictObject({
      apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
      apiUrl: z.url().optional(),
      target: z.string().optional(),
      autoStopMinutes: positiveInt.optional(),
      /** A snapshot with pytest preinstalled (`ptc sandbox snapshot create`), used for Python runs. */
      snapshot: z.string().trim().min(1).optional(),
      /**
       * Batch, serve and mcp reuse warm sandboxes across tasks (default true); false gives every task a fresh
       * sandbox of its own, which no earlier task's code has run in.
       */
      pool: z.boolean().optional(),
    })
    .optional(),
  history: z
    .strictObject({ enabled: z.boolean().optional(), prompts: z.boolean().optional() })
    .optional(),
});

export type RcConfig = z.infer<typeof rcSchema>;
export type ProviderConfig = z.infer<typeof providerConfigSchema>;
