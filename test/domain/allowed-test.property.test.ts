/**
 * The compiled test the child's catalogue scans with says exactly what `decide` says, for any
 * facts (community figures included) and any policy.
 */
import fc from 'fast-check';
import t from 'tap';
import { CATEGORIES } from '../../src/domain/categories.js';
import { DESCRIPTOR_KEYS, RATING_SYSTEMS } from '../../src/domain/rating-systems.js';
import { allowedTest, decide, factColumns, packFacts, type Policy, type TitleFacts } from '../../src/domain/verdict.js';

const level = fc.integer({ min: 0, max: 5 });
const certArb = fc.constantFrom(...RATING_SYSTEMS.flatMap((s) => s.ratings.map((r) => ({ system: s.system, rating: r.rating }))));
/** A certification with some of its system's descriptors (none, where the system has none). */
const describedArb = certArb.chain((cert) => {
  const keys = RATING_SYSTEMS.find((s) => s.system === cert.system)!.descriptors.map((d) => d.key);
  return fc.subarray(keys, { maxLength: Math.min(4, keys.length) }).map((descriptors) => ({ ...cert, descriptors }));
});
const factsArb: fc.Arbitrary<TitleFacts> = fc.record({
  name: fc.constant('T'),
  advisory: fc.option(
    fc.record({
      ageRecommendation: fc.integer({ min: 2, max: 18 }),
      ratings: fc.record(Object.fromEntries(CATEGORIES.map((c) => [c.key, fc.record({ level, note: fc.constant('') })])), { requiredKeys: [] }),
    }),
    { nil: null },
  ),
  certifications: fc.uniqueArray(describedArb, { selector: (c) => c.system, maxLength: 3 }),
  community: fc.record({
    parents: fc.oneof(
      fc.constant({ count: 0, medianAge: null }),
      fc.record({ count: fc.integer({ min: 1, max: 12 }), medianAge: fc.integer({ min: 4, max: 36 }).map((h) => h / 2) }),
    ),
  }),
});
const policyArb: fc.Arbitrary<Policy> = fc.record({
  age: fc.integer({ min: 0, max: 19 }),
  ageRule: fc.constantFrom('expert', 'strictest', 'off'),
  communityMinReviews: fc.integer({ min: 1, max: 8 }),
  // Often no limits or ceilings at all, so the age rules get to decide too.
  limits: fc.oneof(fc.constant({}), fc.record(Object.fromEntries(CATEGORIES.map((c) => [c.key, level])), { requiredKeys: [] })),
  certificationCeilings: fc.oneof(
    fc.constant({}),
    fc.uniqueArray(certArb, { selector: (c) => c.system, maxLength: 3 }).map((cs) => Object.fromEntries(cs.map((c) => [c.system, c.rating]))),
  ),
  // Often none, so the other rules get to decide; a few of every system's, so some block.
  blockDescriptors: fc.oneof(fc.constant([]), fc.subarray([...DESCRIPTOR_KEYS], { maxLength: 12 })),
  unrated: fc.constantFrom('block', 'allow'),
  withAdult: fc.constantFrom('block', 'allow'),
  // Mostly the rules; now and then an allow-list, where nothing passes the test.
  mode: fc.constantFrom('limits', 'limits', 'limits', 'allowlist'),
  // Countries with one system, with several, with a system shared (PEGI), and none.
  country: fc.constantFrom(null, 'US', 'DE', 'GB', 'AU', 'JP', 'FR', 'NL', 'BR', 'AQ'),
  who: fc.constant('your child' as const),
});

t.test('allowedTest agrees with decide', async (t) => {
  let withAdult = 0;
  let byDescriptor = 0;
  fc.assert(
    fc.property(fc.array(factsArb, { minLength: 1, maxLength: 20 }), policyArb, (facts, policy) => {
      const columns = factColumns(facts.length);
      // Each slot packed with another title first, as the index packs a slot again when its title changes.
      facts.forEach((f, slot) => {
        packFacts(facts[(slot + 1) % facts.length]!, columns, slot);
        packFacts(f, columns, slot);
      });
      const test = allowedTest(policy);
      facts.forEach((f, slot) => {
        const verdict = decide(f, policy);
        if (verdict.allowed && verdict.withAdult) withAdult++;
        if (!verdict.allowed && verdict.reasons.every((r) => r.code === 'descriptor')) byDescriptor++;
        if (test(columns, slot) !== verdict.allowed) throw new Error(`disagree on ${JSON.stringify(f)}`);
      });
    }),
    { numRuns: 3000 },
  );
  t.pass('3,000 random catalogues and policies agree');
  t.ok(withAdult > 0, `titles allowed with an adult among them (${withAdult})`);
  t.ok(byDescriptor > 0, `titles blocked by a descriptor alone among them (${byDescriptor})`);
});
