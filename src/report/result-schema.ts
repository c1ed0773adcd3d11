import { z } from 'zod';
import { TEST_ORIGINS } from '../types.js';

/**
 * The JSON contract (schemaVersion 1): what `--json`, `ptc mcp` and `ptc serve` answer with.
 * Defined once here; `schema/result.schema.json` is generated from it at build time.
 * Additive fields are allowed; renaming or removing one needs a new schemaVersion.
 */

export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative().describe('prompt tokens billed at the full input price (cache reads/writes excluded)'),
  outputTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  cacheWriteTokens: z.number().int().nonnegative(),
  reasoningTokens: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('of outputTokens, those spent thinking (priced as output); absent when the provider does not say and none was seen'),
});

export const costSchema = z.object({
  usd: z.number().nonnegative().nullable(),
  source: z.enum(['provider', 'catalog', 'unknown']),
});

export const testCaseSchema = z.object({
  name: z.string(),
  file: z.string().nullable(),
  status: z.enum(['passed', 'failed', 'error', 'skipped']),
  durationMs: z.number().nonnegative(),
  message: z.string().nullable(),
  origin: z
    .enum(TEST_ORIGINS)
    .optional()
    .describe("who wrote the test: the model (generated), or the user (acceptance: shown to the model; hidden: never shown)"),
});

export const originSummarySchema = z.object({
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});

export const testsSchema = z.object({
  ran: z.boolean(),
  sandbox: z.enum(['local', 'daytona']).nullable(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  cases: z.array(testCaseSchema),
  problem: z.string().nullable().optional(),
  install: z
    .object({ packages: z.array(z.string()), ok: z.boolean(), output: z.string().nullable() })
    .nullable()
    .optional(),
  byOrigin: z
    .object({ generated: originSummarySchema, acceptance: originSummarySchema, hidden: originSummarySchema })
    .optional()
    .describe('the cases counted by who wrote them; an origin with no tests has total 0'),
});

export const fileEntrySchema = z.object({
  path: z.string().describe('relative to outDir, POSIX separators'),
  kind: z.enum(['code', 'test', 'other']),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const roundSchema = z.object({
  round: z.number().int().nonnegative(),
  usage: usageSchema.nullable(),
  cost: costSchema.nullable(),
  tests: testsSchema.nullable(),
  testsRemoved: z.boolean().optional().describe('this repair round deleted test files, test cases or assertions (a pass may not mean what it seems)'),
  ignoredTestChanges: z.array(z.string()).optional().describe('test files whose changes in this round --protect-tests dropped'),
});

export const candidateSchema = z.object({
  index: z.number().int().nonnegative().describe('0-based, in the order the calls were sent'),
  outcome: z
    .enum(['won', 'passed', 'failed', 'error', 'cancelled'])
    .describe('won: its files were kept; passed/failed: its tests, another won; error: no usable reply or no test run; cancelled: stopped when another won'),
  usage: usageSchema.nullable(),
  cost: costSchema.nullable(),
  usageEstimated: z.boolean().optional().describe('the call was cancelled mid-answer: usage is what had streamed, estimated'),
  tests: z
    .object({ passed: z.number().int().nonnegative(), failed: z.number().int().nonnegative(), errors: z.number().int().nonnegative(), skipped: z.number().int().nonnegative() })
    .nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  durationMs: z.number().nonnegative(),
});

export const errorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().nullable(),
  retryable: z.boolean(),
  replyFile: z.string().optional().describe('where the paid model reply was saved: `ptc apply <replyFile>` uses it without a new call'),
});

export const resultSchema = z.object({
  schemaVersion: z.literal(1),
  ok: z.boolean(),
  exitCode: z.number().int(),
  command: z.enum(['generate', 'apply', 'run']),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  outDir: z.string().nullable().describe('absolute path'),
  files: z.array(fileEntrySchema),
  usage: usageSchema.nullable(),
  cost: costSchema.nullable(),
  tests: testsSchema.nullable(),
  rounds: z.array(roundSchema),
  error: errorSchema.nullable(),
  durationMs: z.number().nonnegative(),
  warnings: z.array(z.string()).optional(),
  dryRun: z.boolean().optional(),
  refused: z.array(z.object({ path: z.string(), reason: z.string() })).optional(),
  stopReason: z.string().nullable().optional().describe('why the repair loop stopped'),
  candidates: z.array(candidateSchema).optional().describe('with --candidates k > 1: every candidate reply, its outcome, usage and cost (all counted in usage and cost)'),
  replyFiles: z.array(z.string()).optional().describe('every raw model reply of this run, saved as it arrived (absolute paths)'),
});

export type Result = z.infer<typeof resultSchema>;
export type FileEntry = z.infer<typeof fileEntrySchema>;
export type Round = z.infer<typeof roundSchema>;
export type CandidateEntry = z.infer<typeof candidateSchema>;
export type OriginSummary = z.infer<typeof originSummarySchema>;

export function resultJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(resultSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    title: 'ptc result',
    description: 'The single JSON document ptc prints with --json (schemaVersion 1).',
    ...schema,
  };
}
