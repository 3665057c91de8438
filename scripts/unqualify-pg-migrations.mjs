// drizzle-kit names the public schema in the foreign keys it writes ("public"."titles"); the
// migrations must run in whatever schema DATABASE_SCHEMA names, so the name goes.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const folder = new URL('../migrations/pg/', import.meta.url);
for (const file of readdirSync(folder).filter((f) => f.endsWith('.sql'))) {
  const path = new URL(file, folder);
  const sql = readFileSync(path, 'utf8');
  const unqualified = sql.replaceAll('REFERENCES "public".', 'REFERENCES ');
  if (unqualified !== sql) writeFileSync(path, unqualified);
}
