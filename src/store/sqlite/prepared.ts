import { getTableColumns, getTableName, is, SQL } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { SqliteDb } from '../../db/sqlite/client.js';

/**
 * A prepared INSERT of whole rows, for the write paths that run per title (import runs it a
 * million times): the statement is compiled once, where drizzle's builder would build its SQL
 * on every call. Values go through each column's own driver mapping (JSON, booleans).
 */
export function preparedInsert<T extends SQLiteTable>(db: SqliteDb, table: T): (row: T['$inferInsert']) => void {
  const columns = Object.entries(getTableColumns(table));
  const statement = db.$client.prepare(
    `insert into "${getTableName(table)}" (${columns.map(([, c]) => `"${c.name}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`,
  );
  // Which defaults are SQL is known once; per row only the values are mapped.
  const fields = columns.map(([key, column]) => ({ key, column, fallback: is(column.default, SQL) ? undefined : (column.default ?? null) }));
  return (row) => {
    const values = fields.map(({ key, column, fallback }) => {
      const value = (row as Record<string, unknown>)[key] ?? fallback;
      if (value === undefined) throw new Error(`${getTableName(table)}.${column.name}: SQL defaults need the query builder`);
      return value === null ? null : column.mapToDriverValue(value);
    });
    statement.run(values);
  };
}

/**
 * A table's whole rows inside raw result rows (arrays in column order): the select list for
 * them, and a reader that makes each into the row object drizzle would, values through each
 * column's driver mapping. drizzle's own result mapping cost a page of titles about as much
 * as SQLite took to find them.
 */
export function rowReader<T extends SQLiteTable>(table: T, alias: string) {
  const columns = Object.entries(getTableColumns(table));
  return {
    select: columns.map(([, c]) => `${alias}."${c.name}"`).join(', '),
    width: columns.length,
    /** The row whose first column is at `at`. */
    read(raw: unknown[], at: number): T['$inferSelect'] {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        const [key, column] = columns[i]!;
        const value = raw[at + i];
        row[key] = value === null ? null : column.mapFromDriverValue(value);
      }
      return row as T['$inferSelect'];
    },
  };
}
