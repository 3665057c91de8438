import t from 'tap';
import { communityStats, type AgeTally } from '../../src/domain/community.js';

/** What the store tallies in SQL, built here from a list of reviews. */
function tally(reviews: { ageRating: number; stars: number }[]): AgeTally {
  const counts = new Map<number, number>();
  for (const r of reviews) counts.set(r.ageRating, (counts.get(r.ageRating) ?? 0) + 1);
  return { counts, starsTotal: reviews.reduce((sum, r) => sum + r.stars, 0) };
}

const stats = (ages: number[], stars: number[] = ages.map(() => 3)) =>
  communityStats(tally(ages.map((ageRating, i) => ({ ageRating, stars: stars[i]! }))));

t.test('no reviews', async (t) => {
  const s = stats([]);
  t.match(s, { count: 0, medianAge: null, p25Age: null, p75Age: null, meanStars: null });
  t.equal(s.histogram.length, 17);
  t.ok(s.histogram.every((h) => h.count === 0));
});

t.test('one review: every quantile is its age', async (t) => {
  t.match(stats([12], [4]), { count: 1, medianAge: 12, p25Age: 12, p75Age: 12, meanStars: 4 });
});

t.test('an even count: the median lies between the middle two', async (t) => {
  // sorted 10 12 14 16: h(0.5) = 1.5 -> 12 + 0.5 * 2 = 13; h(0.25) = 0.75 -> 10 + 0.75 * 2 = 11.5; h(0.75) = 2.25 -> 14 + 0.25 * 2 = 14.5
  t.match(stats([16, 10, 14, 12], [5, 4, 4, 2]), { count: 4, medianAge: 13, p25Age: 11.5, p75Age: 14.5, meanStars: 3.75 });
  t.match(stats([12, 14]), { medianAge: 13, p25Age: 12.5, p75Age: 13.5 });
});

t.test('an odd count and ties', async (t) => {
  // sorted 8 10 10 10 13: h(0.5) = 2 -> 10; h(0.25) = 1 -> 10; h(0.75) = 3 -> 10
  t.match(stats([10, 13, 8, 10, 10]), { count: 5, medianAge: 10, p25Age: 10, p75Age: 10 });
  // sorted 2 2 18: h(0.5) = 1 -> 2; h(0.25) = 0.5 -> 2; h(0.75) = 1.5 -> 2 + 0.5 * 16 = 10
  t.match(stats([18, 2, 2]), { medianAge: 2, p25Age: 2, p75Age: 10 });
  const s = stats([10, 13, 8, 10, 10]);
  t.same(
    s.histogram.filter((h) => h.count > 0),
    [
      { age: 8, count: 1 },
      { age: 10, count: 3 },
      { age: 13, count: 1 },
    ],
  );
});

t.test('mean stars round to two decimals', async (t) => {
  t.equal(stats([10, 10, 10], [5, 4, 4]).meanStars, 4.33);
  t.equal(stats([10, 10, 10], [1, 1, 2]).meanStars, 1.33);
  t.equal(stats(Array(40).fill(10), [2, ...Array(39).fill(1)]).meanStars, 1.03, 'a half rounds up (41 / 40)');
});
