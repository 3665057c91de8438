/** An import's progress (src/cli/progress.ts): lines committed and their rate, in place on a terminal, now and then elsewhere, and the summary. */
import t from 'tap';
import type { ImportReport } from '../../src/catalogue/import.js';
import { importProgress } from '../../src/cli/progress.js';

const report = (lines: number, bad = 0): ImportReport => ({
  lines,
  created: lines - bad - 1,
  updated: 1,
  unchanged: 0,
  errors: Array.from({ length: bad }, (_, i) => ({ line: i + 1, reason: 'x' })),
});

function clocked(tty: boolean) {
  let now = 1_000;
  const written: string[] = [];
  const progress = importProgress({ tty, write: (text) => written.push(text), now: () => now, everyMs: 10_000 });
  return { progress, written, at: (ms: number) => (now = 1_000 + ms) };
}

t.test('on a terminal, one line rewritten after every commit, in lines committed and lines a second', async (t) => {
  const { progress, written, at } = clocked(true);
  at(2_000);
  progress.update(report(20_000));
  at(4_000);
  progress.update(report(40_000, 2));
  progress.done();
  t.same(written, [
    '\rimporting… 20000 lines (10000 lines/s): 19999 created, 1 updated, 0 unchanged, 0 bad\x1b[K',
    '\rimporting… 40000 lines (10000 lines/s): 39997 created, 1 updated, 0 unchanged, 2 bad\x1b[K',
    '\n',
  ]);
  t.equal(progress.summary(report(40_000, 2)), 'Imported 39998 of 40000 lines in 4.0 s (10000 lines/s): 39997 created, 1 updated, 0 unchanged, 2 bad.');
});

t.test('elsewhere, a line at most every ten seconds, and the summary', async (t) => {
  const { progress, written, at } = clocked(false);
  at(3_000);
  progress.update(report(1_000));
  t.same(written, [], 'a short import says nothing until its summary');
  at(12_000);
  progress.update(report(6_000));
  at(15_000);
  progress.update(report(7_500));
  at(22_500);
  progress.update(report(9_000));
  progress.done();
  t.same(written, ['importing… 6000 lines (500 lines/s): 5999 created, 1 updated, 0 unchanged, 0 bad\n', 'importing… 9000 lines (400 lines/s): 8999 created, 1 updated, 0 unchanged, 0 bad\n']);
  t.equal(progress.summary(report(9_000)), 'Imported 9000 of 9000 lines in 22.5 s (400 lines/s): 8999 created, 1 updated, 0 unchanged, 0 bad.');
});

t.test('an import over before the clock moves has a rate all the same', async (t) => {
  const { progress } = clocked(false);
  const empty = { lines: 0, created: 0, updated: 0, unchanged: 0, errors: [] };
  t.equal(progress.summary(empty), 'Imported 0 of 0 lines in 0.0 s (0 lines/s): 0 created, 0 updated, 0 unchanged, 0 bad.');
});

t.test('a Wikidata import counts titles, not lines', async (t) => {
  let now = 0;
  const written: string[] = [];
  const progress = importProgress({ tty: true, write: (text) => written.push(text), now: () => now, unit: 'titles' });
  now = 500;
  progress.update(report(1_000, 1));
  t.same(written, ['\rimporting… 1000 titles (2000 titles/s): 998 created, 1 updated, 0 unchanged, 1 bad\x1b[K']);
  t.equal(progress.summary(report(1_000, 1)), 'Imported 999 of 1000 titles in 0.5 s (2000 titles/s): 998 created, 1 updated, 0 unchanged, 1 bad.');
});
