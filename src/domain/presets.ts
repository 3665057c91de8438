/**
 * Default limits by age, used for every category a child's parents have not set. A concern's
 * preset is the highest level allowed; a positive category's is the lowest level required,
 * and it is 0 at every age (nothing is required unless parents ask for it).
 *
 * The concern levels follow what titles recommended for that age typically contain (see the
 * level meanings in categories.ts): a 4-year-old gets no swearing, no drinking and only mild
 * peril; a 12-year-old some swearing and realistic action; a 17-year-old nearly everything.
 */
import { CATEGORIES, type CategoryKey } from './categories.js';
import { MAX_AGE, MIN_AGE } from './verdict.js';

type ConcernKey = 'language' | 'sex' | 'drinking' | 'violence' | 'consumerism';

//                                     age: 2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18
const CONCERNS: Record<ConcernKey, number[]> = {
  language: /*                          */ [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5],
  sex: /*                               */ [0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5],
  drinking: /*                          */ [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5],
  violence: /*                          */ [1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 5, 5],
  consumerism: /*                       */ [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5],
};

/** The preset limits for an age; ages outside 2–18 take the nearest end. */
export function presetFor(age: number): Record<CategoryKey, number> {
  const index = Math.min(MAX_AGE, Math.max(MIN_AGE, age)) - MIN_AGE;
  return Object.fromEntries(
    CATEGORIES.map((c) => [c.key, c.polarity === 'concern' ? CONCERNS[c.key as ConcernKey][index]! : 0]),
  ) as Record<CategoryKey, number>;
}

export const PRESET_AGES = Array.from({ length: MAX_AGE - MIN_AGE + 1 }, (_, i) => MIN_AGE + i);
