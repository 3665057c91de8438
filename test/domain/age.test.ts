import t from 'tap';
import { ageOn, bornAfter, latestBirthday } from '../../src/domain/age.js';
import { presetFor, PRESET_AGES } from '../../src/domain/presets.js';
import { CATEGORIES } from '../../src/domain/categories.js';

t.test('a birth month counts the birthday at the end of that month', async (t) => {
  t.same(latestBirthday('2014-05'), [2014, 5, 31]);
  t.equal(ageOn('2014-05', '2026-05-30'), 11);
  t.equal(ageOn('2014-05', '2026-05-31'), 12);
  t.equal(ageOn('2014-05', '2026-06-01'), 12);
  t.equal(ageOn('2014-04', '2026-04-30'), 12, 'April has 30 days');
  t.equal(ageOn('2014-04', '2026-04-29'), 11);
});

t.test('a bare year counts the birthday on 31 December', async (t) => {
  t.same(latestBirthday('2014'), [2014, 12, 31]);
  t.equal(ageOn('2014', '2026-12-30'), 11);
  t.equal(ageOn('2014', '2026-12-31'), 12);
  t.equal(ageOn('2014', '2027-01-01'), 12);
});

t.test('February, leap years and year ends', async (t) => {
  t.same(latestBirthday('2012-02'), [2012, 2, 29]);
  t.same(latestBirthday('2013-02'), [2013, 2, 28]);
  t.equal(ageOn('2012-02', '2026-02-28'), 13, 'in a common year the 29th has not come on the 28th');
  t.equal(ageOn('2012-02', '2026-03-01'), 14);
  t.equal(ageOn('2012-02', '2028-02-29'), 16);
  t.equal(ageOn('2013-12', '2026-12-31'), 13);
  t.equal(ageOn('2013-12', '2026-12-30'), 12);
  t.equal(ageOn('2026-11', '2026-11-24'), 0, 'born this month, counted from its end: 0, never negative');
  t.equal(ageOn('2026', '2026-11-24'), 0);
});

t.test('a birth after today is in the future', async (t) => {
  t.equal(bornAfter('2027', '2026-11-24'), true);
  t.equal(bornAfter('2026-12', '2026-11-24'), true);
  t.equal(bornAfter('2026-11', '2026-11-24'), false);
  t.equal(bornAfter('2026', '2026-11-24'), false);
  t.throws(() => latestBirthday('2014-13'));
});

t.test('presets: every age 2–18, concerns rise with age, positives ask for nothing', async (t) => {
  t.same(PRESET_AGES, Array.from({ length: 17 }, (_, i) => i + 2));
  for (const c of CATEGORIES) {
    const levels = PRESET_AGES.map((age) => presetFor(age)[c.key]);
    if (c.polarity === 'positive') t.ok(levels.every((l) => l === 0), c.key);
    else t.same(levels, [...levels].sort((a, b) => a - b), `${c.key} never falls with age`);
  }
  t.ok(Object.values(presetFor(4)).every((l) => l <= 1), 'a 4-year-old gets almost nothing');
  t.ok(['language', 'sex', 'drinking', 'violence'].every((k) => presetFor(17)[k as 'language'] >= 4), 'a 17-year-old almost everything');
  t.same(presetFor(1), presetFor(2), 'younger than 2 takes the 2 preset');
  t.same(presetFor(25), presetFor(18));
});
