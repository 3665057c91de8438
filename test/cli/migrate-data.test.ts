/**
 * guidepost migrate-data: a SQLite database with a catalogue, a family and its community moves
 * into an empty database (PostgreSQL under `npm run test:pg`, another SQLite file otherwise),
 * and both hold the same: the same export, the same rows, and the same answers to the same tokens.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { freshDatabase, openStoreOn, tempDir, testConfig } from '../backend.js';
import { openStore } from '../../src/store/index.js';
import { bearer, call, contents, populate, reviewRequest } from '../helper.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/main.ts')];

t.test('migrate-data moves everything, and the copy answers as the original did', async (t) => {
  // The source is a SQLite file, as migrate-data's always is; the target is this run's backend.
  const dir = tempDir(t, 'migrate');
  const source = join(dir, 'source.db');
  const target = freshDatabase(t);

  // The original: the demo catalogue and rows in every other table.
  const before = await buildApp(testConfig({ DATABASE_URL: source, GUIDEPOST_DEMO: true }));
  const { film, family, maya } = await populate(before);
  const firstPage = await call(before, { method: 'GET', url: '/v1/titles?limit=5' });
  const asked = [
    { method: 'GET' as const, url: `/v1/children/${maya.id}/verdicts/${film.id}`, headers: bearer(family.token) },
    { method: 'GET' as const, url: `/v1/children/${maya.id}/titles?limit=20`, headers: bearer(family.token) },
    { method: 'GET' as const, url: `/v1/titles/${film.id}` },
    { method: 'GET' as const, url: `/v1/titles?limit=5&cursor=${firstPage.data.nextCursor}` },
    { method: 'GET' as const, url: `/v1/titles/${film.id}/reviews` },
  ];
  const answers = await Promise.all(asked.map((request) => call(before, request)));
  await before.close();

  const env = { ...process.env, DATABASE_URL: target.DATABASE_URL, DATABASE_SCHEMA: target.DATABASE_SCHEMA, LOG_LEVEL: 'silent' };
  const cli = (...args: string[]) => run(process.execPath, [...CLI, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
  const moved = await cli('migrate-data', '--from', source);
  t.match(moved.stdout, /^Copied \d+ meta, \d+ titles, .* 1 review_votes, 1 flags, 1 idempotency_keys\.\n$/);

  const exportOf = (url: string, schema: string) => run(process.execPath, [...CLI, 'export'], { env: { ...env, DATABASE_URL: url, DATABASE_SCHEMA: schema }, maxBuffer: 64 * 1024 * 1024 });
  t.equal((await exportOf(target.DATABASE_URL, target.DATABASE_SCHEMA)).stdout, (await exportOf(source, 'public')).stdout, 'the same export');

  const [from, to] = [await openStore(source), await openStoreOn(target)];
  t.same(await contents(to), await contents(from), 'the same rows in every table');
  await from.close();
  await to.close();

  const after = await buildApp(testConfig(target));
  t.teardown(() => after.close());
  const again = await Promise.all(asked.map((request) => call(after, request)));
  for (const [i, answer] of again.entries()) {
    t.equal(answer.statusCode, answers[i]!.statusCode, asked[i]!.url);
    t.same(answer.data, answers[i]!.data, `${asked[i]!.url}: the same answer, to the same token, with the same cursor`);
  }
  const retried = await call(after, reviewRequest(film.id, family.token, maya.id));
  t.equal(retried.headers['idempotent-replayed'], 'true', 'a retry after the move gets the first answer');

  const twice = await cli('migrate-data', '--from', source).catch((err: { code: number; stderr: string }) => err);
  t.equal((twice as { code: number }).code, 1, 'a database that holds anything is refused');
  t.match(twice.stderr, /^guidepost: the target database is not empty \(meta: \d+, titles: \d+[^\n]*\n$/, 'in one line, without the usage');
  const nowhere = await cli('migrate-data', '--from', join(dir, 'missing.db')).catch((err: { code: number; stderr: string }) => err);
  t.equal((nowhere as { code: number }).code, 2, 'a source that is not there is refused as DATABASE_URL would be');
  t.equal(nowhere.stderr, `guidepost: --from=${JSON.stringify(join(dir, 'missing.db'))}: there is no database at ${join(dir, 'missing.db')} (no such file)\n`);
  const noSource = await cli('migrate-data').catch((err: { code: number; stderr: string }) => err);
  t.equal((noSource as { code: number }).code, 2);
  t.match(noSource.stderr, /migrate-data needs a source/);
});
