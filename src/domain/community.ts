/**
 * Community ages, computed in the open. For one group of reviewers (parents, or kids) of one
 * title: how many reviews, the median and quartile "OK from this age" ratings, the mean stars,
 * and the whole histogram, so anyone can check the figures.
 *
 * Quantiles interpolate linearly between the two nearest ranks (Hyndman & Fan type 7, as in
 * spreadsheets' PERCENTILE.INC): sorted ages x[0..n-1], q-quantile at h = (n - 1) * q, value
 * x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]). So the median of 12 and 14 is 13,
 * and with one review every quantile is that review's age.
 */
import { MAX_AGE, MIN_AGE } from './verdict.js';

export interface CommunityStats {
  count: number;
  medianAge: number | null;
  p25Age: number | null;
  p75Age: number | null;
  meanStars: number | null;
  /** One entry per age 2–18, zeros included. */
  histogram: { age: number; count: number }[];
}

/** Counts per age and the stars total: all the statistics need, and what a store can aggregate in SQL. */
export interface AgeTally {
  counts: ReadonlyMap<number, number>;
  starsTotal: number;
}

/** The value at 0-based rank `rank` of the ages in ascending order. */
function ageAtRank(counts: ReadonlyMap<number, number>, rank: number): number {
  let seen = 0;
  for (let age = MIN_AGE; age <= MAX_AGE; age++) {
    seen += counts.get(age) ?? 0;
    if (rank < seen) return age;
  }
  throw new Error(`rank ${rank} beyond ${seen} reviews`);
}

function quantile(counts: ReadonlyMap<number, number>, n: number, q: number): number {
  const h = (n - 1) * q;
  const lower = Math.floor(h);
  const below = ageAtRank(counts, lower);
  const above = lower + 1 < n ? ageAtRank(counts, lower + 1) : below;
  return below + (h - lower) * (above - below);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function communityStats({ counts, starsTotal }: AgeTally): CommunityStats {
  const n = [...counts.values()].reduce((a, b) => a + b, 0);
  const histogram = Array.from({ length: MAX_AGE - MIN_AGE + 1 }, (_, i) => ({ age: MIN_AGE + i, count: counts.get(MIN_AGE + i) ?? 0 }));
  if (n === 0) return { count: 0, medianAge: null, p25Age: null, p75Age: null, meanStars: null, histogram };
  return {
    count: n,
    medianAge: round2(quantile(counts, n, 0.5)),
    p25Age: round2(quantile(counts, n, 0.25)),
    p75Age: round2(quantile(counts, n, 0.75)),
    // From integers, so a half rounds up as a person would (41 / 40 is 1.03, not 1.02).
    meanStars: Math.round((starsTotal * 100) / n) / 100,
    histogram,
  };
}
