import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import type { PgDb } from '../../db/pg/client.js';
import * as schema from '../../db/pg/schema.js';
import { TABLES, type Store, type TableName } from '../types.js';

const BY_NAME = new Map(Object.values(schema).flatMap((table) => (is(table, PgTable) ? [[getTableName(table), table] as const] : [])));

const tableOf = (name: TableName) => BY_NAME.get(name)!;

/** PostgreSQL takes at most 65,535 parameters a statement: rows per INSERT stay under it. */
const PARAMETERS = 60_000;

/** Whole-database copies, table by table (`guidepost migrate-data`). */
export function pgCopy(db: PgDb): Pick<Store, 'dump' | 'load'> {
  return {
    async *dump(pageSize = 5000) {
      // One repeatable-read transaction for every table: a snapshot, read through a cursor a page at a time.
      const client = await db.$client.connect();
      try {
        await client.query('begin isolation level repeatable read read only');
        for (const name of TABLES) {
          const columns = Object.entries(getTableColumns(tableOf(name)));
          await client.query(`declare dump no scroll cursor for select ${columns.map(([, c]) => `"${c.name}"`).join(', ')} from "${name}"`);
          for (;;) {
            const { rows } = await client.query({ text: `fetch ${pageSize} from dump`, rowMode: 'array' });
            if (rows.length === 0) break;
            const page = (rows as unknown[][]).map((raw) => Object.fromEntries(columns.map(([key, column], i) => [key, raw[i] === null ? null : column.mapFromDriverValue(raw[i])])));
            yield { table: name, rows: page };
          }
          await client.query('close dump');
        }
      } finally {
        // Also when the reader stops early: the connection goes back to the pool outside a transaction.
        await client.query('commit');
        client.release();
      }
    },
    async load({ table, rows }) {
      const target = tableOf(table);
      const perStatement = Math.floor(PARAMETERS / Object.keys(getTableColumns(target)).length);
      await db.transaction(async (tx) => {
        for (let i = 0; i < rows.length; i += perStatement) await tx.insert(target).values(rows.slice(i, i + perStatement));
      });
    },
  };
}
