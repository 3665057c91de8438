import { readFileSync } from 'node:fs';

/** How many migrations the code ships in a folder; /readyz compares it with what the database applied. */
export function shippedMigrationCount(folder: string): number {
  const journal = JSON.parse(readFileSync(`${folder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}
