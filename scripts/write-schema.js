// Writes schema/result.schema.json from the zod schema compiled into dist/, so the two cannot drift.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { resultJsonSchema } = await import(join(root, 'dist/report/result-schema.js'));
mkdirSync(join(root, 'schema'), { recursive: true });
writeFileSync(join(root, 'schema/result.schema.json'), JSON.stringify(resultJsonSchema(), null, 2) + '\n');
