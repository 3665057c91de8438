#!/usr/bin/env node
/** The guidepost command: database chores that belong beside the server, not inside it. */
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { importJsonl } from '../catalogue/import.js';
import { importWikidata, readWikidata, wikidataReport, type WikidataRead } from '../catalogue/wikidata.js';
import { ConfigError, loadConfig, openConfiguredStore, refusedLocation } from '../config.js';
import { toImportLine } from '../catalogue/export.js';
import { fileErrorReason } from '../db/location.js';
import { copyData } from '../store/copy.js';
import { issueToken } from '../services/households.js';
import { openStore, type Store, type StoreOptions } from '../store/index.js';
import { importProgress } from './progress.js';

const USAGE = `Usage: guidepost <command> [options]

Commands:
  help                                     print this text (also --help, -h)
  migrate                                  apply pending database migrations
  token create --role editor|admin [--name N]
                                           mint a token and print it (alone) on stdout
  token list                               list editor and admin tokens
  token revoke ID                          revoke a token
  import FILE.jsonl [--batch N]            upsert titles from JSON Lines; bad lines are reported;
                                           N lines a transaction (default 20000: fastest; a running
                                           server's writes wait up to about a second; 1000 for short waits)
  import --format wikidata FILE.json… [--batch N]
                                           merge the titles of Wikidata SPARQL results (the README's
                                           query, a page a file) into the catalogue: their year, IMDb
                                           and TMDB ids and certifications, where a title lacks them;
                                           what is left out is reported by row (default N 5000)
  export                                   print every title as JSON Lines on stdout
  backup PATH                              write a consistent copy of the database to PATH (a new file),
                                           while the server goes on writing (SQLite; use pg_dump for PostgreSQL)
  migrate-data --from SOURCE [--from-schema S]
                                           copy every row of the database SOURCE (a SQLite path or a
                                           postgres:// URL; S its PostgreSQL schema, default public)
                                           into the empty database DATABASE_URL names, then compare

The database is the one DATABASE_URL names (default ./data/guidepost.db).
Exit status: 0 done; 1 the command failed (the line before says why); 2 a usage mistake,
or a variable (DATABASE_URL included) refused.`;

/** A mistake in the command line itself: said in a line, then the usage. Exit status 2. */
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

/** Refuses, before any database is opened, a file that cannot be read: missing, a directory, forbidden. */
function checkReadable(file: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    // Opening a directory to read succeeds; reading it is what fails.
    if (fstatSync(fd).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
  } catch (err) {
    throw new Error(`cannot read ${file}: ${fileErrorReason(err)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function runImport(file: string, batch: number | undefined): Promise<number> {
  checkReadable(file);
  let progress!: ReturnType<typeof importProgress>;
  const report = await withStore(
    (store) => {
      // The clock starts once the database is open (and migrated): the rate is the import's own.
      progress = importProgress({ tty: Boolean(process.stderr.isTTY), write: (text) => process.stderr.write(text) });
      // Opened only once the store is: readline emits lines as the file is read, and lines read
      // while the store was still connecting (PostgreSQL) would have had no one to go to.
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      return importJsonl(store, lines, progress.update, { worker: true, ...(batch && { writeBatch: batch, parseBatch: Math.min(batch, 1000) }) });
    },
    { cacheMb: IMPORT_CACHE_MB },
  );
  progress.done();
  for (const e of report.errors) process.stderr.write(`line ${e.line}: ${e.reason}\n`);
  await write(`${progress.summary(report)}\n`);
  return report.errors.length > 0 ? 1 : 0;
}

/** A file's JSON, or why it cannot be read. */
async function readJson(file: string): Promise<unknown> {
  checkReadable(file);
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not JSON (${(err as Error).message})`);
  }
}

/**
 * Wikidata SPARQL results (a page each) merged into the catalogue, one after another: what was
 * left out by row (and file, when there are several) on standard error, then one summary. A file
 * that cannot be read is said in a line and the rest go on; the exit status is then 1.
 */
async function runWikidataImport(files: string[], batch: number | undefined): Promise<number> {
  const total = wikidataReport();
  const said: string[] = [];
  let failed = 0;
  let progress!: ReturnType<typeof importProgress>;
  await withStore(async (store) => {
    progress = importProgress({ tty: Boolean(process.stderr.isTTY), write: (text) => process.stderr.write(text), unit: 'titles' });
    for (const file of files) {
      const at = files.length > 1 ? `${file} ` : '';
      let read: WikidataRead;
      try {
        read = readWikidata(await readJson(file));
      } catch (err) {
        // A file that is not a result is that file's failure; the others go on.
        said.push(`guidepost: ${oneLine(err)}`);
        failed += 1;
        continue;
      }
      const [warningsAt, errorsAt] = [total.warnings.length, total.errors.length];
      await importWikidata(store, read, progress.update, batch, total);
      said.push(...total.warnings.slice(warningsAt).map((w) => `${at}row ${w.line}: ${w.reason}`), ...total.errors.slice(errorsAt).map((e) => `${at}row ${e.line}: ${e.reason}`));
    }
  });
  progress.done();
  for (const line of said) process.stderr.write(`${line}\n`);
  await write(`${progress.summary(total)} Read ${total.rows} rows${files.length > 1 ? ` from ${files.length - failed} of ${files.length} files` : ''}; ${total.skipped} skipped for want of a rating Guidepost knows; ${total.warnings.length} values left out.\n`);
  return total.errors.length > 0 || failed > 0 ? 1 : 0;
}

/** Every row of SOURCE into the empty target, compared table by table after (copyData). */
async function migrateData(from: string, fromSchema = 'public'): Promise<number> {
  // Named like DATABASE_URL, the source is held to the same rules, and must be there already.
  const source = await openStore(from, { schema: fromSchema, migrate: false, use: 'existing' }).catch(refusedLocation('--from', from));
  try {
    if (!(await source.ready()).migrations) throw new Error(`${from} is not migrated to this version; run guidepost migrate against it first`);
    const tty = process.stderr.isTTY;
    const progress = (table: string, rows: number) => {
      if (tty) process.stderr.write(`\rcopying ${table}… ${rows} rows`.padEnd(60));
    };
    const counts = await withStore((target) => copyData(source, target, progress));
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
      format: { type: 'string' },
      from: { type: 'string' },
      'from-schema': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.format !== undefined && command !== 'import') throw new UsageError('--format goes with import only');
  if (values.help || command === 'help') {
    await write(`${USAGE}\n`);
    return 0;
  }
  switch (command) {
    case undefined:
      throw new UsageError('no command given');
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
        if (!revoked) throw new Error(`no token has the id ${id}`);
        console.error(`Revoked ${id}.`);
        return 0;
      }
      throw new UsageError('token takes create, list or revoke ID');
    }
    case 'import': {
      const format = values.format ?? 'jsonl';
      if (format !== 'jsonl' && format !== 'wikidata') throw new UsageError(`--format takes jsonl or wikidata, not ${format}`);
      if (!rest[0]) throw new UsageError(`import needs a file: guidepost import ${format === 'jsonl' ? 'FILE.jsonl' : '--format wikidata FILE.json…'}`);
      if (format === 'wikidata') return runWikidataImport(rest, writeBatch(values.batch));
      if (rest.length > 1) throw new UsageError('import takes one JSON Lines file (several with --format wikidata)');
      return runImport(rest[0], writeBatch(values.batch));
    }
    case 'export':
      await withStore(async (store) => {
        for await (const title of store.titles.exportAll()) await write(`${JSON.stringify(toImportLine(title))}\n`);
      });
      return 0;
    case 'backup': {
      const [path] = rest;
      if (!path) throw new UsageError('backup needs a destination: guidepost backup PATH');
      // The copy is of the database as it is: a backup never creates nor migrates what it copies.
      // The store refuses a PATH that exists, and PostgreSQL (pg_dump is its tool).
      await withStore((store) => store.backup(path), { migrate: false, use: 'existing' });
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

/** An error in one line: its message's first line, and its cause's when that says more. */
function oneLine(err: unknown): string {
  const first = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  const message = first(err);
  const cause = err instanceof Error && err.cause !== undefined ? first(err.cause) : '';
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    // A refused variable names itself, a line for each; a failure is one line; only a usage mistake shows the usage.
    if (err instanceof ConfigError) err.report();
    else console.error(`guidepost: ${oneLine(err)}${usage ? `\n\n${USAGE}` : ''}`);
    process.exitCode = usage || err instanceof ConfigError ? 2 : 1;
  },
);
