// The coverage gate each test run ends with: tap measures, this holds the totals to a floor.
// Raise the floor as tests grow; never lower it to make a change pass. tap's own thresholds are
// 0 in package.json: its totals count both backends' code, so this script is the one gate.
//
// `npm test` runs the suite on SQLite and `npm run test:pg` on PostgreSQL, so each run holds
// everything but the other backend's own code to the floor: the PostgreSQL store is measured by
// the PostgreSQL run (`--backend postgres`), the SQLite store by the SQLite run, and the code
// above the store by both.
import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';

const FLOOR = { lines: 95, branches: 90, functions: 90 };
const BACKEND_CODE = {
  sqlite: ['src/db/sqlite/', 'src/store/sqlite/'],
  postgres: ['src/db/pg/', 'src/store/pg/'],
};

const at = process.argv.indexOf('--backend');
const backend = at === -1 ? 'sqlite' : process.argv[at + 1];
if (!(backend in BACKEND_CODE)) throw new Error(`--backend is sqlite or postgres, not ${backend}`);
const elsewhere = Object.entries(BACKEND_CODE)
  .filter(([name]) => name !== backend)
  .flatMap(([, dirs]) => dirs.map((dir) => resolve(dir) + sep));

const summary = JSON.parse(readFileSync('.tap/report/coverage-summary.json', 'utf8'));
const files = Object.keys(summary).filter((file) => file !== 'total' && !elsewhere.some((dir) => file.startsWith(dir)));
const pct = (key) => {
  const total = files.reduce((sum, file) => sum + summary[file][key].total, 0);
  const covered = files.reduce((sum, file) => sum + summary[file][key].covered, 0);
  return total === 0 ? 100 : Math.floor((covered / total) * 10_000) / 100;
};
const totals = Object.fromEntries(Object.keys(FLOOR).map((key) => [key, pct(key)]));

const short = Object.entries(FLOOR).filter(([key, floor]) => totals[key] < floor);
for (const [key, floor] of short) console.error(`coverage (${backend}): ${key} ${totals[key]}% is under the floor of ${floor}%`);
if (short.length) process.exit(1);
console.error(
  `coverage (${backend}, ${files.length} files): lines ${totals.lines}%, branches ${totals.branches}%, functions ${totals.functions}% (floor ${FLOOR.lines}/${FLOOR.branches}/${FLOOR.functions})`,
);
