import { z } from 'zod';
import { PROVIDER_IDS } from '../types.js';

/** The shape of catalog/models.json. The tests validate the shipped file with it; ptc itself trusts its own data. */
const price = z.number().nonnegative();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const modelSchema = z.strictObject({
  provider: z.enum([...PROVIDER_IDS, '*']),
  id: z.string().min(1),
  aliases: z.array(z.string().min(1)).optional(),
  input: price,
  output: price,
  cacheRead: price,
  cacheWrite: price,
  source: z.string().min(1),
  /** The day the source was read for this entry. */
  readOn: day.optional(),
  retired: z.boolean().optional(),
  successor: z.string().min(1).optional(),
  default: z.boolean().optional(),
  contextWindow: z.number().int().positive().optional(),
  maxOutput: z.number().int().positive().optional(),
  /** true: any temperature; false: none may be sent; a number: the only value the model takes. */
  temperature: z.union([z.boolean(), z.number().min(0).max(2)]).optional(),
  reasoning: z.enum(['none', 'optional', 'always']).optional(),
  /** The day the provider shuts the model down. */
  deprecationDate: day.optional(),
  note: z.string().optional(),
});

export const catalogSchema = z.strictObject({
  pricesAsOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
  currency: z.string().optional(),
  models: z.array(modelSchema).min(1),
});
