import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

/** The checked-in SDL: sorted, so that moving code around does not change the file. */
export const printedSchema = () => printSchema(lexicographicSortSchema(schema)) + '\n';

export const SCHEMA_FILE = fileURLToPath(new URL('./schema.graphql', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
