import { getTableName, is } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { SqliteDb } from '../../db/sqlite/client.js';
import * as schema from '../../db/sqlite/schema.js';
import { TABLES, type Store, type TableName } from '../types.js';
import { preparedInsert, rowReader } from './prepared.js';

const BY_NAME = new Map(Object.values(schema).flatMap((table) => (is(table, SQLiteTable) ? [[getTableName(table), table] as const] : [])));

const tableOf = (name: TableName) => BY_NAME.get(name)!;

/** Whole-database copies, table by table (`guidepost migrate-data`). */
export function sqliteCopy(db: SqliteDb): Pick<Store, 'dump' | 'load'> {
  return {
    async *dump(pageSize = 5000) {
      // One read transaction for every table: a snapshot, whatever other processes write meanwhile.
      db.$client.exec('BEGIN');
      try {
        for (const name of TABLES) {
          const reader = rowReader(tableOf(name), 't');
          const rows = db.$client.prepare(`select ${reader.select} from "${name}" t`).raw().iterate() as IterableIterator<unknown[]>;
          let page: Record<string, unknown>[] = [];
          for (const raw of rows) {
            page.push(reader.read(raw, 0));
            if (page.length === pageSize) {
              yield { table: name, rows: page };
              page = [];
            }
          }
          if (page.length > 0) yield { table: name, rows: page };
        }
      } finally {
        db.$client.exec('COMMIT');
      }
    },
    async load({ table, rows }) {
      const insert = preparedInsert(db, tableOf(table));
      db.transaction(() => {
        for (const row of rows) insert(row as never);
      }, { behavior: 'immediate' });
    },
  };
}
