/** `guidepost import --format wikidata` as a command: its output, exit statuses and usage mistakes (the import itself: wikidata.test.ts). */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { freshDatabase, tempDir } from '../backend.js';

const run = promisify(execFile);
// The command runs its sources through tsx, in a process of its own (scripts/coverage-map.mjs leaves it out of coverage).
const CLI = ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '../../src/cli/main.ts')];
const SAMPLE = join(import.meta.dirname, '../fixtures/wikidata-sample.json');
const sample = () => JSON.parse(readFileSync(SAMPLE, 'utf8')) as { head: { vars: string[] }; results: { bindings: unknown[] } };

t.test('guidepost import --format wikidata', async (t) => {
  const dir = tempDir(t, 'wikidata');
  const database = freshDatabase(t);
  const env = { ...process.env, ...database, LOG_LEVEL: 'silent' };
  const cli = (...args: string[]) => run(process.execPath, [...CLI, ...args], { env, maxBuffer: 16 * 1024 * 1024 }).catch((err: { code: number; stdout: string; stderr: string }) => err);

  const first = (await cli('import', '--format', 'wikidata', SAMPLE)) as { code?: number; stdout: string; stderr: string };
  t.equal(first.code, 1, 'exit 1: some titles were left out');
  t.match(first.stdout, /^Imported 175 of 182 titles in \d+\.\d s \(\d+ titles\/s\): 175 created, 0 updated, 0 unchanged, 6 bad\. Read 235 rows; 1 skipped for want of a rating Guidepost knows; 12 values left out\.\n$/);
  t.match(first.stderr, /^row 213: Q9400001: ESRB Q14864333 "RP" is not one of the ESRB ratings Guidepost knows; left out$/m);
  t.match(first.stderr, /^row 219: Q9400006: "A Podcast" is none of/m);

  const fine = join(dir, 'fine.json');
  const one = sample();
  one.results.bindings = one.results.bindings.slice(0, 2);
  writeFileSync(fine, JSON.stringify(one));
  const second = (await cli('import', '--format', 'wikidata', fine, '--batch', '1')) as { code?: number; stdout: string };
  t.equal(second.code, undefined, 'exit 0');
  t.match(second.stdout, /^Imported 1 of 1 titles .*: 0 created, 0 updated, 1 unchanged, 0 bad\. Read 2 rows; 0 skipped for want of a rating Guidepost knows; 0 values left out\.\n$/);

  const notJson = join(dir, 'not.json');
  writeFileSync(notJson, '{"head":');
  const bad = (await cli('import', '--format', 'wikidata', notJson)) as { code: number; stderr: string };
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^guidepost: .*not\.json is not JSON \(/);
  writeFileSync(notJson, '{"head":{"vars":["x"]},"results":{"bindings":[]}}');
  const wrong = (await cli('import', '--format', 'wikidata', notJson)) as { code: number; stderr: string };
  t.equal(wrong.code, 1);
  t.match(wrong.stderr, /the query must select \?item/);

  // Several pages in one command: a file that is not a result is said, and the others go on.
  writeFileSync(notJson, '{"head":');
  const pages = (await cli('import', '--format', 'wikidata', fine, notJson, SAMPLE)) as { code: number; stdout: string; stderr: string };
  t.equal(pages.code, 1);
  t.match(pages.stderr, /^guidepost: .*not\.json is not JSON/m);
  t.match(pages.stderr, /^.*wikidata-sample\.json row 213: Q9400001: /m, 'rows named with their file');
  t.match(pages.stdout, /^Imported 176 of 183 titles .*: 0 created, 0 updated, 176 unchanged, 6 bad\. Read 237 rows from 2 of 3 files; 1 skipped/);

  const usage = (await cli('import', '--format', 'xml', SAMPLE)) as { code: number; stderr: string };
  t.equal(usage.code, 2);
  t.match(usage.stderr, /--format takes jsonl or wikidata, not xml/);
  const noFile = (await cli('import', '--format', 'wikidata')) as { code: number; stderr: string };
  t.equal(noFile.code, 2);
  t.match(noFile.stderr, /import needs a file: guidepost import --format wikidata FILE\.json…/);
  const twoJsonl = (await cli('import', 'a.jsonl', 'b.jsonl')) as { code: number; stderr: string };
  t.equal(twoJsonl.code, 2);
  t.match(twoJsonl.stderr, /import takes one JSON Lines file/);
  const stray = (await cli('export', '--format', 'wikidata')) as { code: number; stderr: string };
  t.equal(stray.code, 2);
  t.match(stray.stderr, /--format goes with import only/);
  const missing = (await cli('import', '--format', 'wikidata', join(dir, 'nope.json'))) as { code: number; stderr: string };
  t.equal(missing.code, 1);
  t.match(missing.stderr, /cannot read .*nope\.json/);
});
