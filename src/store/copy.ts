import { TABLES, type Store, type TableName } from './types.js';

/** The target of a copy already holds rows: a copy goes into an empty database only. */
export class TargetNotEmptyError extends Error {
  constructor(readonly held: [TableName, number][]) {
    super(`the target database is not empty (${held.map(([table, n]) => `${table}: ${n}`).join(', ')}); migrate into a new one`);
  }
}

/**
 * Every row of `source` into the empty `target`, table by table from one snapshot of the source,
 * then each table's rows counted on the target. Ids, token hashes, versions and times go as they
 * are, so tokens, ETags and cursors keep working on the new database. Either backend to either.
 */
export async function copyData(source: Store, target: Store, progress?: (table: TableName, rows: number) => void): Promise<Record<TableName, number>> {
  const held = Object.entries(await target.rowCounts()).filter(([, n]) => n > 0) as [TableName, number][];
  if (held.length > 0) throw new TargetNotEmptyError(held);
  const copied = Object.fromEntries(TABLES.map((table) => [table, 0])) as Record<TableName, number>;
  for await (const page of source.dump()) {
    await target.load(page);
    copied[page.table] += page.rows.length;
    progress?.(page.table, copied[page.table]);
  }
  const counts = await target.rowCounts();
  const wrong = TABLES.filter((table) => counts[table] !== copied[table]);
  if (wrong.length > 0) throw new Error(`the copy does not match: ${wrong.map((table) => `${table} has ${counts[table]} rows, ${copied[table]} were copied`).join('; ')}`);
  return counts;
}
