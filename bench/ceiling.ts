/**
 * The ceilings of `npm run bench`: bare Fastify (the service's version, logger off, no plugins)
 * answering what the scenarios answer, with nothing of Guidepost's in the loop. It runs in a
 * process of its own, as the service does, and the same client (bench/cannon.ts) drives both,
 * so a scenario's requests a second over its ceiling's is what Guidepost's own code costs.
 *
 *   tsx bench/ceiling.ts --port 3001 --database FILE|URL [--schema S] --body VERDICT.json [--cache-mb 16] [--pool 10]
 *
 *   GET  /constant    (a) the verdict in --body, the same object every time
 *   GET  /titles/:id  (b) one prepared read of a title: the title row with its advisory joined,
 *                         its certifications and its visible reviews' tally as JSON subqueries
 *   POST /titles      (c) the same for the ids of {"titles": [...]} in one statement
 *
 * The read is the service's title read (src/store/title-statements.ts) written out: the same
 * columns (every column of both tables), the same subqueries, the same lookup by primary key.
 * Rows are read as arrays, as the service reads them, and written out as they come: no records.
 * SQLite is opened read-only with the service's page cache (--cache-mb); PostgreSQL through a
 * pool of the service's size (--pool), each statement named so each connection plans it once.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    database: { type: 'string' },
    schema: { type: 'string', default: 'public' },
    body: { type: 'string' },
    'cache-mb': { type: 'string', default: '16' },
    pool: { type: 'string', default: '10' },
  },
});

/** The one read, per database: `where` picks the title or titles. */
const tallySql = (count: string) => `(select r."by", r.age_rating, ${count} as n, sum(r.stars) as stars
      from reviews r where r.title_id = t.id and not r.hidden group by r."by", r.age_rating) x`;
const SQLITE_READ = `select t.*, a.*,
    (select json_group_array(json_array(c.system, c.rating, c.reason, c.descriptors) order by c.position) from certifications c where c.title_id = t.id),
    (select json_group_array(json_array(x."by", x.age_rating, x.n, x.stars)) from ${tallySql('count(*)')})
  from titles t left join advisories a on a.title_id = t.id`;
const PG_READ = `select t.*, a.*,
    (select coalesce(json_agg(json_build_array(c.system, c.rating, c.reason, c.descriptors) order by c.position), '[]'::json) from certifications c where c.title_id = t.id),
    (select coalesce(json_agg(json_build_array(x."by", x.age_rating, x.n, x.stars)), '[]'::json) from ${tallySql('cast(count(*) as int)')})
  from titles t left join advisories a on a.title_id = t.id`;

interface Reads {
  one(id: string): Promise<unknown[] | undefined>;
  many(ids: string[]): Promise<unknown[][]>;
}

function sqliteReads(file: string, cacheMb: number): Reads {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma(`cache_size = ${-cacheMb * 1024}`);
  const one = db.prepare(`${SQLITE_READ} where t.id = ?`).raw(true);
  const many = db.prepare(`${SQLITE_READ} where t.id in (select value from json_each(?))`).raw(true);
  return {
    one: async (id) => one.get(id) as unknown[] | undefined,
    many: async (ids) => many.all(JSON.stringify(ids)) as unknown[][],
  };
}

function pgReads(url: string, schema: string, size: number): Reads {
  const pool = new pg.Pool({ connectionString: url, max: size, options: `-c search_path="${schema.replace(/"/g, '""')}"` });
  return {
    one: async (id) => (await pool.query<unknown[]>({ name: 'one', text: `${PG_READ} where t.id = $1`, values: [id], rowMode: 'array' })).rows[0],
    many: async (ids) => (await pool.query<unknown[]>({ name: 'many', text: `${PG_READ} where t.id = any($1)`, values: [ids], rowMode: 'array' })).rows,
  };
}

const database = args.database!;
const reads = /^postgres(ql)?:\/\//.test(database) ? pgReads(database, args.schema, Number(args.pool)) : sqliteReads(database, Number(args['cache-mb']));
const verdict: unknown = JSON.parse(readFileSync(args.body!, 'utf8'));

const app = Fastify({ logger: false });
app.get('/constant', async () => verdict);
app.get<{ Params: { id: string } }>('/titles/:id', async (request, reply) => (await reads.one(request.params.id)) ?? reply.code(404).send());
app.post<{ Body: { titles: string[] } }>('/titles', (request) => reads.many(request.body.titles));
await app.listen({ port: Number(args.port), host: '127.0.0.1' });
