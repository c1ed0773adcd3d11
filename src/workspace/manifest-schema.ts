import { z } from 'zod';

/** A manifest read back from disk is outside input: checked before it is trusted. */
const usageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
});

export const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  createdAt: z.string(),
  command: z.string().optional(),
  prompt: z.string().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  usage: usageSchema.nullable(),
  cost: z.object({ usd: z.number().nullable(), source: z.enum(['provider', 'catalog', 'unknown']) }).nullable(),
  files: z.array(
    z.object({ path: z.string(), kind: z.enum(['code', 'test', 'other']), bytes: z.number(), sha256: z.string() }),
  ),
  userTests: z.array(z.object({ origin: z.enum(['acceptance', 'hidden']), path: z.string(), sha256: z.string() })).optional(),
});
