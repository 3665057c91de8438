import type { Policy } from '../../src/domain/verdict.js';

/** A child's policy for the engine's tests: 12, the expert rule, no limits of its own, and what `p` changes. */
export const testPolicy = (p: Partial<Policy> = {}): Policy => ({
  age: 12,
  ageRule: 'expert',
  communityMinReviews: 5,
  limits: {},
  certificationCeilings: {},
  blockDescriptors: [],
  unrated: 'block',
  withAdult: 'block',
  mode: 'limits',
  country: null,
  who: 'your child',
  ...p,
});
