#!/usr/bin/env node
/** The guidepost command: database chores that belong beside the server, not inside it. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { importJsonl, type ImportReport } from '../catalogue/import.js';
import { ConfigError, loadConfig, openConfiguredStore } from '../config.js';
import { toImportLine } from '../catalogue/export.js';
import { copyData, TargetNotEmptyError } from '../store/copy.js';
import { issueToken } from '../services/households.js';
import { isPostgresUrl, openStore, type Store, type StoreOptions } from '../store/index.js';

const USAGE = `Usage: guidepost <command> [options]

Commands:
  migrate                                  apply pending database migrations
  token create --role editor|admin [--name N]
                                           mint a token and print it (alone) on stdout
  token list                               list editor and admin tokens
  token revoke ID                          revoke a token
  import FILE.jsonl [--batch N]            upsert titles from JSON Lines; bad lines are reported;
                                           N lines a transaction (default 20000: fastest; a running
                                           server's writes wait up to about a second; 1000 for short waits)
  export                                   print every title as JSON Lines on stdout
  backup PATH                              write a consistent copy of the database to PATH (a new file),
                                           while the server goes on writing (SQLite; use pg_dump for PostgreSQL)
  migrate-data --from SOURCE [--from-schema S]
                                           copy every row of the database SOURCE (a SQLite path or a
                                           postgres:// URL; S its PostgreSQL schema, default public)
                                           into the empty database DATABASE_URL names, then compare

The database is the one DATABASE_URL names (default ./data/guidepost.db).`;

class UsageError extends Error {}

async function withStore<T>(fn: (store: Store) => Promise<T>, options: StoreOptions = {}): Promise<T> {
  const store = await openConfiguredStore(loadConfig(), { cacheMb: undefined, ...options });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

/** The page cache of an import: a million titles' indexes stay in memory while it writes them. */
const IMPORT_CACHE_MB = 256;

/** --batch: lines a transaction, 1 to 100,000. */
function writeBatch(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100_000) throw new UsageError(`--batch takes a whole number of lines from 1 to 100000, not ${value}`);
  return n;
}

async function runImport(file: string, batch: number | undefined): Promise<number> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  const tty = process.stderr.isTTY;
  const report = await withStore(
    (store) => {
      // Opened only once the store is: readline emits lines as the file is read, and lines read
      // while the store was still connecting (PostgreSQL) would have had no one to go to.
      const input = createReadStream(file);
      const lines = createInterface({ input, crlfDelay: Infinity });
      const progress = (r: ImportReport) => {
        if (!tty) return;
        const percent = size ? Math.min(100, Math.round((input.bytesRead / size) * 100)) : 100;
        process.stderr.write(`\rimporting… ${percent}%  ${r.lines} lines, ${r.created} created, ${r.updated} updated, ${r.errors.length} bad`);
      };
      return importJsonl(store, lines, progress, { worker: true, ...(batch && { writeBatch: batch, parseBatch: Math.min(batch, 1000) }) });
    },
    { cacheMb: IMPORT_CACHE_MB },
  );
  if (tty) process.stderr.write('\n');
  for (const e of report.errors) process.stderr.write(`line ${e.line}: ${e.reason}\n`);
  const good = report.created + report.updated + report.unchanged;
  await write(
    `Imported ${good} of ${report.lines} lines: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.errors.length} bad.\n`,
  );
  return report.errors.length > 0 ? 1 : 0;
}

/** Every row of SOURCE into the empty target, compared table by table after (copyData). */
async function migrateData(from: string, fromSchema = 'public'): Promise<number> {
  if (!isPostgresUrl(from) && !from.startsWith('file:') && !existsSync(from)) throw new UsageError(`there is no database at ${from} to copy from`);
  const source = await openStore(from, { schema: fromSchema, migrate: false });
  try {
    if (!(await source.ready()).migrations) throw new UsageError(`${from} is not migrated to this version; run guidepost migrate against it first`);
    const tty = process.stderr.isTTY;
    const progress = (table: string, rows: number) => {
      if (tty) process.stderr.write(`\rcopying ${table}… ${rows} rows`.padEnd(60));
    };
    const counts = await withStore((target) =>
      copyData(source, target, progress).catch((err: unknown) => {
        throw err instanceof TargetNotEmptyError ? new UsageError(err.message) : err;
      }),
    );
    if (tty) process.stderr.write('\n');
    await write(`Copied ${Object.entries(counts).map(([table, n]) => `${n} ${table}`).join(', ')}.\n`);
    return 0;
  } finally {
    await source.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      batch: { type: 'string' },
      from: { type: 'string' },
      'from-schema': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'migrate':
      // Opening the store applies what is pending.
      await withStore(async () => {});
      console.error('Migrations are up to date.');
      return 0;
    case 'token': {
      const [sub, id] = rest;
      if (sub === 'create') {
        if (values.role !== 'editor' && values.role !== 'admin') throw new UsageError('token create needs --role editor or --role admin');
        const role = values.role;
        const created = await withStore((store) => issueToken(store, role, values.name ?? null));
        await write(`${created.token}\n`);
        return 0;
      }
      if (sub === 'list') {
        const tokens = await withStore((store) => store.tokens.list(['editor', 'admin']));
        for (const t of tokens) await write(`${t.id}\t${t.role}\t${t.hint}\t${t.revokedAt ? `revoked ${t.revokedAt}` : 'active'}\t${t.name ?? ''}\n`);
        return 0;
      }
      if (sub === 'revoke' && id) {
        const revoked = await withStore((store) => store.tokens.revoke(id));
        if (!revoked) throw new UsageError(`no token has the id ${id}`);
        console.error(`Revoked ${id}.`);
        return 0;
      }
      throw new UsageError('token takes create, list or revoke ID');
    }
    case 'import':
      if (!rest[0]) throw new UsageError('import needs a file: guidepost import FILE.jsonl');
      return runImport(rest[0], writeBatch(values.batch));
    case 'export':
      await withStore(async (store) => {
        for await (const title of store.titles.exportAll()) await write(`${JSON.stringify(toImportLine(title))}\n`);
      });
      return 0;
    case 'backup': {
      const [path] = rest;
      if (!path) throw new UsageError('backup needs a destination: guidepost backup PATH');
      const source = loadConfig().DATABASE_URL;
      if (isPostgresUrl(source)) throw new UsageError('backup copies a SQLite file; back PostgreSQL up with its own tools (pg_dump, or your provider\'s snapshots)');
      if (!source.startsWith('file:') && !existsSync(source)) throw new UsageError(`there is no database at ${source} to back up`);
      if (existsSync(path)) throw new UsageError(`${path} already exists; back up to a new file`);
      // The copy is of the database as it is: a backup never migrates what it copies.
      await withStore((store) => store.backup(path), { migrate: false });
      console.error(`Backed up to ${path}.`);
      return 0;
    }
    case 'migrate-data':
      if (!values.from) throw new UsageError('migrate-data needs a source: guidepost migrate-data --from SOURCE');
      return migrateData(values.from, values['from-schema']);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      // A line for each refused variable, naming it, as the server says it.
      for (const line of err.message.split('\n')) console.error(`guidepost: ${line}`);
      process.exitCode = 2;
    } else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`guidepost: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(`guidepost: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  },
);
