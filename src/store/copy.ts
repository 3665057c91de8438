import { getTableColumns, getTableName, is, Table } from 'drizzle-orm';
import type { Dialect } from './dialect.js';
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

/** A column as copies move it: its property name, its SQL name, and its driver's mapping each way. */
export interface CopyColumn {
  key: string;
  name: string;
  fromDriver(value: unknown): unknown;
  toDriver(value: unknown): unknown;
}

/** Every table of a drizzle schema module (either dialect's) by name, with its columns as copies move them. */
export function copyColumns(schema: Record<string, unknown>): Record<TableName, CopyColumn[]> {
  const tables = Object.values(schema).filter((value): value is Table => is(value, Table));
  return Object.fromEntries(
    tables.map((table) => [
      getTableName(table),
      Object.entries(getTableColumns(table)).map(([key, column]) => ({
        key,
        name: column.name,
        fromDriver: (value: unknown) => (value === null ? null : column.mapFromDriverValue(value)),
        toDriver: (value: unknown) => (value === null || value === undefined ? null : column.mapToDriverValue(value)),
      })),
    ]),
  ) as Record<TableName, CopyColumn[]>;
}

/** Statements stay under both databases' limits on parameters (SQLite's 32,766, PostgreSQL's 65,535). */
const PARAMETERS = 30_000;

/** Whole-database copies, table by table, written once over the dialect (`guidepost migrate-data`). */
export function tableCopies(d: Dialect, columns: Record<TableName, CopyColumn[]>): Pick<Store, 'dump' | 'load'> {
  return {
    async *dump(pageSize = 5000) {
      // One snapshot for every table, whatever others write meanwhile.
      const snapshot = await d.snapshot();
      try {
        for (const table of TABLES) {
          const cols = columns[table];
          const select = `select ${cols.map((c) => `"${c.name}"`).join(', ')} from "${table}"`;
          for await (const page of snapshot.pages(select, pageSize)) {
            yield { table, rows: page.map((raw) => Object.fromEntries(cols.map((c, i) => [c.key, c.fromDriver(raw[i])]))) };
          }
        }
      } finally {
        // Also when the reader stops early.
        await snapshot.end();
      }
    },
    async load({ table, rows }) {
      const cols = columns[table];
      const perStatement = Math.floor(PARAMETERS / cols.length);
      await d.transaction(async (tx) => {
        for (let i = 0; i < rows.length; i += perStatement) {
          const chunk = rows.slice(i, i + perStatement);
          await tx.run(
            `insert into "${table}" (${cols.map((c) => `"${c.name}"`).join(', ')}) values ${chunk.map((_, r) => `(${cols.map((__, c) => `$${r * cols.length + c + 1}`).join(', ')})`).join(', ')}`,
            chunk.flatMap((row) => cols.map((c) => c.toDriver(row[c.key]))),
          );
        }
      });
    },
  };
}
