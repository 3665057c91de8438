import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { importJsonl } from '../../src/catalogue/import.js';
import { toImportLine } from '../../src/catalogue/export.js';
import { DEMO_FILE } from '../../src/demo/load.js';
import type { Title } from '../../src/domain/titles.js';
import { isPostgresUrl, openStore, type Store } from '../../src/store/index.js';
import { BACKEND, freshDatabase, onAnotherConnection, openStoreOn, tempDir } from '../backend.js';
import { testStore, advisory, sixRatings } from '../helper.js';

const run = promisify(execFile);
// tsx by its full address: one test runs the command from another working folder.
const CLI = ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '../../src/cli/main.ts')];

async function freshStore(t: { teardown(fn: () => unknown): void }): Promise<Store> {
  const store = await testStore();
  t.teardown(() => store.close());
  return store;
}

async function exportLines(store: Store): Promise<string> {
  const lines: string[] = [];
  for await (const title of store.titles.exportAll(7)) lines.push(JSON.stringify(toImportLine(title)));
  return lines.join('\n');
}

const demoLines = () => readFileSync(DEMO_FILE, 'utf8').split('\n');

t.test('export then import into an empty database reproduces the catalogue exactly', async (t) => {
  // From SQLite, as a catalogue moves to PostgreSQL (the test database under `npm run test:pg`).
  const a = await openStore(':memory:');
  t.teardown(() => a.close());
  const report = await importJsonl(a, demoLines());
  t.equal(report.errors.length, 0);
  t.ok(report.created >= 40);
  const first = await exportLines(a);

  const b = await freshStore(t);
  const again = await importJsonl(b, first.split('\n'));
  t.equal(again.created, report.created);
  const second = await exportLines(b);
  t.equal(second, first, 'byte for byte');

  const ids = first.split('\n').map((l) => JSON.parse(l).id);
  for (const id of ids.slice(0, 5)) {
    const [x, y] = [await a.titles.get({ by: 'id', id }), await b.titles.get({ by: 'id', id })];
    const strip = (r: typeof x) => ({ ...r!.title, createdAt: '', updatedAt: '', advisory: r!.title.advisory && { ...r!.title.advisory, updatedAt: '' } });
    t.same(strip(y), strip(x), `${id} reads the same through the API shape`);
  }
});

t.test('import is idempotent and upserts by external id', async (t) => {
  const store = await freshStore(t);
  await importJsonl(store, demoLines());
  const count = await store.titles.count();
  const twice = await importJsonl(store, demoLines());
  t.equal(twice.created, 0);
  t.equal(twice.updated, 0);
  t.equal(twice.unchanged, count);
  t.equal(await store.titles.count(), count);

  const her = { name: 'Her', kind: 'movie', year: 2013, externalIds: { imdb: 'tt1798709' }, advisory: advisory({ ageRecommendation: 15 }) };
  const upsert = await importJsonl(store, [JSON.stringify(her)]);
  t.equal(upsert.updated, 1);
  const stored = await store.titles.get({ by: 'imdb', imdb: 'tt1798709' });
  t.equal(stored!.title.advisory!.ageRecommendation, 15);
  t.equal(stored!.title.externalIds.tmdb, null, 'an import line replaces the whole title');
  t.equal(await store.titles.count(), count);

  const clash = await importJsonl(store, [JSON.stringify({ name: 'Mixed', kind: 'movie', externalIds: { imdb: 'tt1798709', tmdb: 'movie:862' } })]);
  t.match(clash.errors, [{ line: 1, reason: /different titles/ }]);
});

t.test('bad lines are reported by number and reason; good lines still go in', async (t) => {
  const store = await freshStore(t);
  const good = (name: string) => JSON.stringify({ name, kind: 'book', year: 2000 });
  const lines = [
    good('Good One'),
    '{"name": "Broken", ',
    JSON.stringify({ name: 'Opera', kind: 'opera' }),
    JSON.stringify({ name: 'Too much', kind: 'movie', advisory: advisory({ ratings: { ...sixRatings(), violence: { level: 7, note: 'x' } } }) }),
    JSON.stringify({ name: 'Open', kind: 'movie', certifications: [{ system: 'MPA', rating: 'Open' }] }),
    JSON.stringify({ kind: 'movie', year: 1999 }),
    '',
    good('Good Two'),
    JSON.stringify({ name: 'Extra', kind: 'movie', rating: 'PG' }),
  ];
  const report = await importJsonl(store, lines);
  t.equal(report.created, 2);
  t.same(
    report.errors.map((e) => e.line),
    [2, 3, 4, 5, 6, 9],
  );
  t.match(report.errors[0]!.reason, /not valid JSON/);
  t.match(report.errors[1]!.reason, /^kind: /);
  t.match(report.errors[2]!.reason, /^advisory\.ratings\.violence\.level: /);
  t.match(report.errors[3]!.reason, /certifications\.0\.rating: "Open" is not one of the MPA ratings/);
  t.match(report.errors[4]!.reason, /^name: /);
  t.match(report.errors[5]!.reason, /^rating: unknown field/);
  t.equal(await store.titles.count(), 2);
});

/** Makes the insert of an advisory whose one-liner is 'explode' fail, as a full disk would. */
const EXPLODING_TRIGGER = {
  sqlite: "create trigger explode before insert on advisories when new.one_liner = 'explode' begin select raise(abort, 'the disk is full'); end",
  postgres: `create function explode() returns trigger language plpgsql as $$
      begin if new.one_liner = 'explode' then raise exception 'the disk is full'; end if; return new; end $$;
    create trigger explode before insert on advisories for each row execute function explode()`,
};

t.test('a line whose write fails is reported, and the rest of its batch stands with nothing of it half-written', async (t) => {
  const database = freshDatabase(t);
  const store = await openStoreOn(database);
  t.teardown(() => store.close());
  await importJsonl(store, [
    JSON.stringify({ name: 'Owner', kind: 'movie', externalIds: { imdb: 'tt0000001' } }),
    JSON.stringify({ name: 'Other', kind: 'movie', externalIds: { tmdb: 'movie:1' } }),
  ]);
  const other = (await store.titles.get({ by: 'tmdb', tmdb: 'movie:1' }))!;
  // A write that fails after the title row and its certifications are written, as a failing constraint or trigger would.
  await onAnotherConnection(database, EXPLODING_TRIGGER[BACKEND]);
  const report = await importJsonl(store, [
    JSON.stringify({ name: 'Before', kind: 'book' }),
    // Found by its id, the line claims an imdb id another title holds.
    JSON.stringify({ id: other.title.id, name: 'Renamed', kind: 'movie', externalIds: { imdb: 'tt0000001', tmdb: 'movie:1' } }),
    JSON.stringify({ id: other.title.id, name: 'Renamed', kind: 'movie', certifications: [{ system: 'MPA', rating: 'R' }], externalIds: { tmdb: 'movie:1' }, advisory: advisory({ oneLiner: 'explode' }) }),
    JSON.stringify({ name: 'After', kind: 'book' }),
    JSON.stringify({ name: 'Owner', kind: 'movie', year: 1999, externalIds: { imdb: 'tt0000001' } }),
  ]);
  t.same(report.errors.map((e) => e.line), [2, 3]);
  t.match(report.errors[0]!.reason, /imdb id tt0000001 already belongs to title/);
  // A known bug on PostgreSQL: the reason is drizzle's "Failed query: insert into "advisories" … params: <the whole row>", not the database's message.
  t.match(report.errors[1]!.reason, /the disk is full/);
  t.match(report, { created: 2, updated: 1 });
  t.same(await store.titles.get({ by: 'id', id: other.title.id }), other, 'the failed lines left their title exactly as it was');
  t.equal((await store.titles.get({ by: 'imdb', imdb: 'tt0000001' }))!.title.year, 1999, 'the line after them in the same batch was written');
  t.equal(await store.titles.count(), 4);
});

t.test('within a batch, each line finds what the lines before it made or changed', async (t) => {
  const store = await freshStore(t);
  await importJsonl(store, [JSON.stringify({ name: 'Stored', kind: 'movie', year: 2001, externalIds: { imdb: 'tt0000010' } })]);
  const stored = (await store.titles.get({ by: 'imdb', imdb: 'tt0000010' }))!;
  const report = await importJsonl(store, [
    JSON.stringify({ name: 'New', kind: 'movie', externalIds: { imdb: 'tt0000020' } }),
    // The same title again, by its external id: an update of the title the line before made.
    JSON.stringify({ name: 'New', kind: 'movie', year: 2020, externalIds: { imdb: 'tt0000020' } }),
    // No external id: found by kind, name and year, as made two lines up.
    JSON.stringify({ name: 'new', kind: 'movie', year: 2020, synopsis: 'Found by name.' }),
    // The stored title gives up its imdb id for another…
    JSON.stringify({ id: stored.title.id, name: 'Stored', kind: 'movie', year: 2001, externalIds: { imdb: 'tt0000011' } }),
    // …so a line with the old one is a new title, not the stored one.
    JSON.stringify({ name: 'Heir', kind: 'movie', externalIds: { imdb: 'tt0000010' } }),
    // Unchanged: the same as the line two up.
    JSON.stringify({ id: stored.title.id, name: 'Stored', kind: 'movie', year: 2001, externalIds: { imdb: 'tt0000011' } }),
  ]);
  t.same(report, { lines: 6, created: 2, updated: 3, unchanged: 1, errors: [] });
  const all: Title[] = [];
  for await (const title of store.titles.exportAll()) all.push(title);
  const made = (await store.titles.get({ by: 'id', id: all.find((title) => title.name === 'new')!.id }))!;
  t.match(made, { version: 3, title: { year: 2020, synopsis: 'Found by name.', externalIds: { imdb: null } } }, 'one title, written three times');
  t.equal((await store.titles.get({ by: 'id', id: stored.title.id }))!.version, 2);
  t.equal((await store.titles.get({ by: 'imdb', imdb: 'tt0000010' }))!.title.name, 'Heir');
  t.equal(await store.titles.count(), 3);
});

t.test('a line found by its id that claims an external id another title holds fails, whatever later lines do', async (t) => {
  const store = await freshStore(t);
  await importJsonl(store, [
    JSON.stringify({ name: 'X', kind: 'movie' }),
    JSON.stringify({ name: 'Y', kind: 'movie', externalIds: { imdb: 'tt0000030' } }),
  ]);
  const x = (await store.titles.get({ by: 'id', id: (await store.titles.list({ filters: { levels: [] }, sort: 'name', limit: 10, after: undefined })).items.find((i) => i.name === 'X')!.id }))!;
  const y = (await store.titles.get({ by: 'imdb', imdb: 'tt0000030' }))!;
  const report = await importJsonl(store, [
    JSON.stringify({ id: x.title.id, name: 'X', kind: 'movie', externalIds: { imdb: 'tt0000030' } }),
    JSON.stringify({ name: 'Q', kind: 'movie', externalIds: { imdb: 'tt0000030' } }),
    JSON.stringify({ id: x.title.id, name: 'X', kind: 'movie', externalIds: { imdb: 'tt0000031' } }),
  ]);
  t.match(report, { created: 0, updated: 2, unchanged: 0, errors: [{ line: 1, reason: /imdb id tt0000030 already belongs to title/ }] });
  t.match(await store.titles.get({ by: 'id', id: y.title.id }), { version: 2, title: { name: 'Q' } }, 'the second line changed the title that holds the id');
  t.match(await store.titles.get({ by: 'id', id: x.title.id }), { version: 2, title: { name: 'X', externalIds: { imdb: 'tt0000031' } } });
});

t.test('large imports run in batches', async (t) => {
  const store = await freshStore(t);
  const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ name: `Book ${i}`, kind: 'book', externalIds: { isbn: isbn13(i) } }));
  const progress: number[] = [];
  const report = await importJsonl(store, lines, (r) => progress.push(r.created), { writeBatch: 1000 });
  t.equal(report.created, 2500);
  t.same(progress, [1000, 2000, 2500], 'progress after each batch');
});

function isbn13(n: number): string {
  const body = `978${String(n).padStart(9, '0')}`;
  const sum = [...body].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

t.test('the guidepost command: import, export, token create, migrate, backup', async (t) => {
  const dir = tempDir(t, 'cli');
  // The test database: a SQLite file, or a PostgreSQL schema under `npm run test:pg`.
  const database = freshDatabase(t);
  const env = { ...process.env, ...database, LOG_LEVEL: 'silent' };
  const cli = (...args: string[]) => run(process.execPath, [...CLI, ...args], { env, maxBuffer: 64 * 1024 * 1024 });

  const migrated = await cli('migrate');
  t.match(migrated.stderr, /up to date/);

  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, [JSON.stringify({ name: 'Fine', kind: 'app' }), 'nope', JSON.stringify({ name: 'X', kind: 'film' })].join('\n'));
  const failed = await cli('import', bad).catch((err: { code: number; stdout: string; stderr: string }) => err);
  t.equal((failed as { code: number }).code, 1, 'exit 1 when a line was bad');
  t.match(failed.stderr, /line 2: not valid JSON/);
  t.match(failed.stderr, /line 3: kind: /);
  t.match(failed.stdout, /^Imported 1 of 3 lines in \d+\.\d s \(\d+ lines\/s\): 1 created, 0 updated, 0 unchanged, 2 bad\.\n$/);
  t.notMatch(failed.stderr, /importing…/, 'off a terminal, a short import shows no progress');

  // Every line, however long the store took to open (lines read before the import listened were once lost on PostgreSQL).
  const demoCount = demoLines().filter(Boolean).length;
  const imported = await cli('import', DEMO_FILE);
  t.match(imported.stdout, new RegExp(`^Imported ${demoCount} of ${demoCount} lines in \\d+\\.\\d s \\(\\d+ lines/s\\): ${demoCount} created, 0 updated, 0 unchanged, 0 bad\\.\\n$`));
  // Small transactions, for a file imported beside a busy server: the same result; and from
  // another working folder, where the parsing worker once could not find tsx.
  const again = await run(process.execPath, [...CLI, 'import', DEMO_FILE, '--batch', '3'], { env, cwd: dir });
  t.match(again.stdout, /0 created, 0 updated, \d+ unchanged, 0 bad/);
  for (const batch of ['0', '1.5', 'ten', '100001']) {
    const refused = await cli('import', DEMO_FILE, '--batch', batch).catch((err: { code: number; stderr: string }) => err);
    t.equal((refused as { code: number }).code, 2, `--batch ${batch} is a usage error`);
    t.match(refused.stderr, /--batch takes a whole number of lines from 1 to 100000/);
  }
  const exported = await cli('export');
  const lines = exported.stdout.trim().split('\n');
  t.equal(lines.length, demoCount + 1);
  t.ok(lines.every((l) => JSON.parse(l).id.startsWith('tl_')));

  const token = await cli('token', 'create', '--role', 'editor', '--name', 'Ed');
  t.match(token.stdout, /^gp_ed_[0-9A-Za-z]{38}\n$/, 'the token alone on stdout');
  const noRole = await cli('token', 'create').catch((err: { code: number; stderr: string }) => err);
  t.equal((noRole as { code: number }).code, 2);
  t.match(noRole.stderr, /--role editor/);

  const backupPath = join(dir, 'copy.db');
  if (isPostgresUrl(database.DATABASE_URL)) {
    const refused = await cli('backup', backupPath).catch((err: { code: number; stderr: string }) => err);
    t.equal((refused as { code: number }).code, 1, 'backup copies SQLite files only');
    t.equal(refused.stderr, "guidepost: guidepost backup copies a SQLite file; back up PostgreSQL with its own tools (pg_dump, or your provider's snapshots)\n");
  } else {
    await cli('backup', backupPath);
    const fromBackup = await run(process.execPath, [...CLI, 'export'], { env: { ...env, DATABASE_URL: backupPath }, maxBuffer: 64 * 1024 * 1024 });
    t.equal(fromBackup.stdout, exported.stdout, 'the backup holds the same catalogue');
  }

  const unknown = await cli('frobnicate').catch((err: { code: number; stderr: string }) => err);
  t.equal((unknown as { code: number }).code, 2);
  const badEnv = await run(process.execPath, [...CLI, 'export'], { env: { ...env, LOG_LEVEL: 'loud' } }).catch((err: { code: number; stderr: string }) => err);
  t.equal((badEnv as { code: number }).code, 2);
  t.match(badEnv.stderr, /LOG_LEVEL/);
});

t.test('an export is one snapshot, even while another connection writes', async (t) => {
  const database = freshDatabase(t);
  const reader = await openStoreOn(database);
  const writer = await openStoreOn(database);
  t.teardown(async () => {
    await reader.close();
    await writer.close();
  });
  await importJsonl(writer, Array.from({ length: 30 }, (_, i) => JSON.stringify({ name: `Book ${i}`, kind: 'book' })));
  const seen: string[] = [];
  for await (const title of reader.titles.exportAll(10)) {
    seen.push(title.name);
    if (seen.length === 10) {
      // Mid-walk: another process adds a title that sorts after everything and deletes one ahead.
      await importJsonl(writer, [JSON.stringify({ name: 'Late arrival', kind: 'book' })]);
      const ahead = (await writer.titles.list({ filters: { levels: [] }, sort: 'name', limit: 100 })).items.find((i) => i.name === 'Book 9')!;
      await writer.titles.remove({ by: 'id', id: ahead.id }, undefined);
    }
  }
  t.equal(seen.length, 30, 'the walk saw the catalogue as it was when it began');
  t.notOk(seen.includes('Late arrival'));
  t.equal(await writer.titles.count(), 30, 'while the writes went through');
});

t.test('parsed in a worker thread, an import of several batches stores and reports exactly what one parsed in line does', async (t) => {
  // Titles on their own: a season or an episode names its parent by an id these lines drop.
  const good = demoLines().filter((l) => l.trim() !== '' && JSON.parse(l).parentId === undefined);
  // 2,600 lines: good ones, renamed so each is a new title, with bad and blank lines at batch
  // edges. Parsed 500 at a time and written when 1,000 good ones are waiting: a write takes
  // lines from several parsed batches, and the worker is two batches ahead.
  const lines = Array.from({ length: 2600 }, (_, i) => {
    if ([0, 999, 1000, 2001, 2599].includes(i)) return i % 2 ? '{"name": 5}' : 'not json';
    if (i === 1500) return '   ';
    const line = JSON.parse(good[i % good.length]!);
    return JSON.stringify({ ...line, id: undefined, externalIds: {}, name: `${line.name} ${i}` });
  });
  const [inline, worker] = [await freshStore(t), await freshStore(t)];
  const batches = { parseBatch: 500, writeBatch: 1000 };
  const expected = await importJsonl(inline, lines, () => {}, batches);
  const progress: number[] = [];
  const report = await importJsonl(worker, lines, (r) => progress.push(r.lines), { worker: true, ...batches });
  t.same(report, expected);
  t.same(report.errors.map((e) => e.line), [1, 1000, 1001, 2002, 2600], 'bad lines by their numbers');
  t.equal(report.created, 2594);
  // 1,497 good lines by line 1,500; then 1,097 more by the end.
  t.same(progress, [1500, 2600], 'progress after each write');
  const names = async (store: Store) => (await store.titles.list({ filters: { levels: [] }, sort: 'name', limit: 100 })).items.map((i) => i.name);
  t.same(await names(worker), await names(inline));
});
