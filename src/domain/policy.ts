/** From a child's stored settings to the policy the verdict engine applies today. */
import { ageOn } from './age.js';
import { CATEGORIES, type CategoryKey } from './categories.js';
import { presetFor } from './presets.js';
import type { Policy } from './verdict.js';

interface ChildSettings {
  birth: string;
  /** The parents' own limits: a max for concerns, a min for positives. */
  limits: Partial<Record<CategoryKey, number>>;
  ageRule: Policy['ageRule'];
  unrated: Policy['unrated'];
  withAdult: Policy['withAdult'];
  mode: Policy['mode'];
  /** The household's country, or null. */
  country: string | null;
  certificationCeilings: Partial<Record<string, string>>;
  blockDescriptors: readonly string[];
}

export interface EffectiveLimit {
  value: number;
  source: 'preset' | 'parent';
}

/** Every category's limit for a child of this age: the parents' where set, else the preset. */
export function effectiveLimits(age: number, parents: ChildSettings['limits']): Record<CategoryKey, EffectiveLimit> {
  const preset = presetFor(age);
  return Object.fromEntries(
    CATEGORIES.map((c) => {
      const own = parents[c.key];
      return [c.key, own === undefined ? { value: preset[c.key], source: 'preset' } : { value: own, source: 'parent' }];
    }),
  ) as Record<CategoryKey, EffectiveLimit>;
}

export function childPolicy(child: ChildSettings, today: string, communityMinReviews: number): Policy {
  const age = ageOn(child.birth, today);
  const limits = effectiveLimits(age, child.limits);
  return {
    age,
    ageRule: child.ageRule,
    communityMinReviews,
    limits: Object.fromEntries(Object.entries(limits).map(([k, l]) => [k, l.value])),
    certificationCeilings: child.certificationCeilings,
    // Sorted: the policy is the key of the catalogue's kept answers, and the same set in another order is the same policy.
    blockDescriptors: [...child.blockDescriptors].sort(),
    unrated: child.unrated,
    withAdult: child.withAdult,
    mode: child.mode,
    country: child.country,
    who: 'your child',
  };
}
