import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema.js';

/** Resolved from this module, not the working directory, as for SQLite. */
export const PG_MIGRATIONS = fileURLToPath(new URL('../../../migrations/pg', import.meta.url));

type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export interface PgOptions {
  /** The schema Guidepost's tables live in (created if missing); every connection's search_path. */
  schema?: string;
  /** Connections this process keeps at most. */
  poolSize?: number;
  /** A statement running longer is cancelled by the server (0: never). */
  statementTimeoutMs?: number;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The one place a PostgreSQL pool is made. TLS and everything else libpq-style come from the URL
 * (`?sslmode=verify-full&sslrootcert=...`); the schema and the timeout are set on every connection
 * as it opens, so no query names a schema.
 */
export function openPg(url: string, { schema: schemaName = 'public', poolSize = 10, statementTimeoutMs = 10_000 }: PgOptions = {}): PgDb {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: `-c search_path=${quoteIdent(schemaName)} -c statement_timeout=${statementTimeoutMs}`,
    application_name: 'guidepost',
  });
  // An idle connection the server drops (a restart, a failover) is an error on the pool, not a crash.
  pool.on('error', () => {});
  return drizzle(pool, { schema });
}

/**
 * Applies pending migrations to the schema, one process at a time: several instances starting
 * together wait on an advisory lock, and the later ones find nothing left to do.
 */
export async function migratePg(db: PgDb, schemaName = 'public'): Promise<void> {
  const client = await db.$client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [`guidepost migrate ${schemaName}`]);
    try {
      await client.query(`create schema if not exists ${quoteIdent(schemaName)}`);
      await migrate(drizzle(client, { schema }), { migrationsFolder: PG_MIGRATIONS, migrationsSchema: schemaName });
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [`guidepost migrate ${schemaName}`]);
    }
  } finally {
    client.release();
  }
}
