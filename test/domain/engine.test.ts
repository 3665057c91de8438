import t from 'tap';
import { testPolicy } from './policy.js';
import { activeOverride, decide, type TitleFacts } from '../../src/domain/verdict.js';

const ratings = (levels: Partial<Record<string, number>>) =>
  Object.fromEntries(Object.entries(levels).map(([k, level]) => [k, { level: level!, note: `${k} note` }]));

const her: TitleFacts = {
  name: 'Her',
  advisory: { ageRecommendation: 16, ratings: ratings({ language: 3, sex: 4, drinking: 2, violence: 1, messages: 4, roleModels: 3 }) },
  certifications: [{ system: 'MPA', rating: 'R', reason: 'language, sexual content and brief graphic nudity' }],
};

const policy = testPolicy;

t.test('Maya and Her: every failing rule listed', async (t) => {
  const v = decide(her, policy({ limits: { language: 1, violence: 2, messages: 3, sex: 2 } }));
  t.equal(v.status, 'blocked');
  t.equal(v.allowed, false);
  t.same(
    v.reasons.map((r) => [r.code, r.category]),
    [
      ['age', null],
      ['category', 'language'],
      ['category', 'sex'],
    ],
  );
  t.match(v.reasons[1], { limit: 1, value: 3, note: 'language note', message: /Language is rated 3 of 5, above the limit of 1: language note/ });
  t.match(v.message, /^Not OK at age 12: recommended from age 16; Language 3 of 5 \(limit 1\); Sex, Romance & Nudity 4 of 5 \(limit 2\)\.$/);
});

t.test('age rule: expert, strictest, off', async (t) => {
  t.match(decide(her, policy({ age: 16 })), { status: 'ok', age: 16, decidedBy: 'expert' });
  const strict = decide(her, policy({ age: 16, ageRule: 'strictest' }));
  t.match(strict, { status: 'blocked', age: 17, decidedBy: 'certification' }, 'MPA R (17) is stricter than the 16+ advisory');
  t.match(strict.reasons, [{ code: 'age', system: 'MPA', limit: 16, value: 17 }]);
  t.match(decide(her, policy({ age: 17, ageRule: 'strictest' })), { status: 'ok' });
  t.match(decide(her, policy({ age: 5, ageRule: 'off' })), { status: 'ok', age: null, decidedBy: 'expert' }, 'no age rule');
  const certOnly: TitleFacts = { name: 'C', advisory: null, certifications: [{ system: 'ESRB', rating: 'T' }] };
  t.match(decide(certOnly, policy({ age: 12 })), { status: 'blocked', decidedBy: 'certification', age: 13 });
  t.match(decide(certOnly, policy({ age: 12, ageRule: 'strictest' })), { status: 'blocked', age: 13 });
  const tie: TitleFacts = { ...her, advisory: { ...her.advisory!, ageRecommendation: 17 } };
  t.match(decide(tie, policy({ age: 16, ageRule: 'strictest' })), { decidedBy: 'expert', age: 17 }, 'a tie goes to the advisory');
});

t.test("strictest counts the parents' median once enough parents reviewed", async (t) => {
  const reviewed = (count: number, medianAge: number): TitleFacts => ({ ...her, community: { parents: { count, medianAge } } });
  const v = decide(reviewed(5, 16.5), policy({ age: 17, ageRule: 'strictest' }));
  t.match(v, { status: 'ok', age: 17 }, 'a median of 16.5 rounds up to 17, as strict as MPA R');
  const stricter = decide(reviewed(6, 17.5), policy({ age: 17, ageRule: 'strictest' }));
  t.match(stricter, { status: 'blocked', age: 18, decidedBy: 'community' });
  t.match(stricter.reasons[0]!.message, /The 6 parents who reviewed 'Her' put it at age 17.5 on the median, so from age 18; your child is 17/);
  t.match(decide(reviewed(4, 17.5), policy({ age: 17, ageRule: 'strictest' })), { status: 'ok' }, 'four reviews are not enough');
  t.match(decide(reviewed(4, 17.5), policy({ age: 17, ageRule: 'strictest', communityMinReviews: 3 })), { status: 'blocked' }, 'the threshold is configurable');
  t.match(decide(reviewed(9, 17.5), policy({ age: 17, ageRule: 'expert' })), { status: 'ok' }, 'expert ignores the community');
});

t.test('category rule: concerns capped, positives floored, unrated categories reported but never blocking', async (t) => {
  const facts: TitleFacts = {
    name: 'T',
    advisory: { ageRecommendation: 6, ratings: ratings({ language: 0, sex: 0, drinking: 0, violence: 2, messages: 2, roleModels: 5, consumerism: 4 }) },
    certifications: [],
  };
  const v = decide(facts, policy({ age: 8, limits: { violence: 2, messages: 3, consumerism: 3, educational: 2, diversity: 0, language: 5 } }));
  t.same(
    v.reasons.map((r) => r.category),
    ['messages', 'consumerism'],
  );
  t.match(v.reasons[0]!.message, /Positive Messages is rated 2 of 5, below the minimum of 3/);
  t.same(v.notRated, ['educational'], 'educational has a minimum the advisory does not rate; diversity asks for nothing');
  const noAdvisory = decide({ name: 'N', advisory: null, certifications: [{ system: 'MPA', rating: 'G' }] }, policy({ limits: { language: 0, messages: 5 } }));
  t.match(noAdvisory, { status: 'ok', reasons: [] }, 'a certification-only title is not blocked by category limits');
  t.same(noAdvisory.notRated, ['language', 'messages']);
});

t.test('certification rule: a rating above the ceiling for its system', async (t) => {
  const v = decide(her, policy({ age: 18, certificationCeilings: { MPA: 'PG-13', ESRB: 'E' } }));
  t.match(v, { status: 'blocked', reasons: [{ code: 'certification', system: 'MPA', limit: 'PG-13', value: 'R', note: /language/ }] });
  t.match(decide(her, policy({ age: 18, certificationCeilings: { MPA: 'R' } })), { status: 'ok' }, 'equal to the ceiling passes');
  t.match(decide(her, policy({ age: 18, certificationCeilings: { BBFC: 'PG' } })), { status: 'ok' }, 'a ceiling for another system does not apply');
});

t.test('unrated rule', async (t) => {
  const nothing: TitleFacts = { name: 'Mystery', advisory: null, certifications: [] };
  t.match(decide(nothing, policy()), { status: 'unrated', allowed: false, decidedBy: 'none', reasons: [{ code: 'unrated' }] });
  t.match(decide(nothing, policy({ unrated: 'allow' })), { status: 'ok', allowed: true, reasons: [] });
  t.match(decide(nothing, policy({ unrated: 'allow', limits: { language: 0 } })), { status: 'ok' });
});

t.test('override: wins over every rule, the rules still listed', async (t) => {
  const allow = decide(her, policy({ limits: { language: 1 } }), { decision: 'allow', note: 'watching together', expiresAt: '2026-11-29T00:00:00.000Z' });
  t.match(allow, { status: 'ok', allowed: true, decidedBy: 'override' });
  t.same(allow.reasons.map((r) => r.code), ['override', 'age', 'category']);
  t.match(allow.reasons[0]!.message, /allowed 'Her' until 2026-11-29T00:00:00.000Z \(watching together\)/);
  t.match(allow.message, /Without it: recommended from age 16; Language 3 of 5/);

  const block = decide(her, policy({ age: 18 }), { decision: 'block', note: null, expiresAt: null });
  t.match(block, { status: 'blocked', allowed: false, decidedBy: 'override', reasons: [{ code: 'override', value: 'block' }] });
  t.match(block.message, /The rules alone would allow it/);

  const nothing: TitleFacts = { name: 'Mystery', advisory: null, certifications: [] };
  t.match(decide(nothing, policy(), { decision: 'allow', note: null, expiresAt: null }), { status: 'ok', allowed: true });
});

t.test('activeOverride: expired overrides are ignored', async (t) => {
  const o = { decision: 'allow' as const, note: null, expiresAt: '2026-01-01T00:00:00.000Z' };
  t.equal(activeOverride(o, '2025-12-31T23:59:59.999Z'), o);
  t.equal(activeOverride(o, '2026-01-01T00:00:00.000Z'), null);
  t.equal(activeOverride({ ...o, expiresAt: null }, '2999-01-01T00:00:00.000Z')?.decision, 'allow');
  t.equal(activeOverride(undefined, '2026-01-01'), null);
});

t.test('with an adult: a certification that admits the child accompanied says so, and the policy decides', async (t) => {
  const film = (...certifications: TitleFacts['certifications']): TitleFacts => ({ name: 'Paddington 3', advisory: null, certifications });
  const cinema = film({ system: 'BBFC', rating: '12A' });

  const blocked = decide(cinema, policy({ age: 10 }));
  t.match(blocked, { status: 'blocked', allowed: false, decidedBy: 'certification', withAdult: { system: 'BBFC', rating: '12A', fromAge: 8 } });
  t.equal(
    blocked.message,
    "Not OK at age 10: 'Paddington 3' is rated 12A by BBFC, which restricts it to age 12 and up; your child is 10. BBFC 12A admits under-12s with a parent or another adult (Guidepost from age 8), which your child's settings do not accept (withAdult: block).",
  );
  t.match(decide(cinema, { ...policy({ age: 10 }), who: 'the viewer' }).message, /\. OK with an adult: BBFC 12A admits under-12s/, 'the anonymous question has no settings to name');

  const allowed = decide(cinema, policy({ age: 10, withAdult: 'allow' }));
  t.match(allowed, { status: 'ok', allowed: true, decidedBy: 'certification', withAdult: { system: 'BBFC', rating: '12A' } });
  t.same(allowed.reasons.map((r) => r.code), ['age'], 'the age rule the adult waives is still listed');
  t.match(allowed.message, /^OK with an adult at age 10: .*, and BBFC 12A admits under-12s with a parent or another adult \(Guidepost from age 8\)\.$/);
  // "Any age with an adult" is waived only from the milder rating's age: an R film is not for a toddler.
  t.equal(decide(cinema, policy({ age: 7, withAdult: 'allow' })).allowed, false, 'BBFC 12A from 8, as PG');
  t.equal(decide(film({ system: 'MPA', rating: 'R' }), policy({ age: 12, withAdult: 'allow' })).allowed, false, 'MPA R from 13, as PG-13');
  t.match(decide(film({ system: 'MPA', rating: 'R' }), policy({ age: 13, withAdult: 'allow' })), { allowed: true, withAdult: { system: 'MPA', rating: 'R', fromAge: 13 } });
  t.match(decide(film({ system: 'ClassInd', rating: '18' }), policy({ age: 16, withAdult: 'allow' })), { allowed: true, withAdult: { fromAge: 16 } });

  t.equal(decide(cinema, policy({ age: 12 })).withAdult, null, 'nothing to say when the age rule passes');
  t.equal(decide(film({ system: 'FSK', rating: '12' }), policy({ age: 5, withAdult: 'allow' })).allowed, false, 'FSK 12 admits children from 6 only');
  t.match(decide(film({ system: 'FSK', rating: '12' }), policy({ age: 6, withAdult: 'allow' })), {
    allowed: true,
    withAdult: { system: 'FSK', fromAge: 6 },
    message: /FSK 12 admits children from 6 with a parent or another adult/,
  });
  t.equal(decide(film({ system: 'MPA', rating: 'R' }, { system: 'BBFC', rating: '15' }), policy({ age: 12, withAdult: 'allow' })).withAdult, null, 'BBFC 15 keeps a 12-year-old out, with an adult or not');
  t.equal(decide(film({ system: 'MPA', rating: 'NC-17' }), policy({ age: 16, withAdult: 'allow' })).withAdult, null, 'NC-17 admits no one younger');
  t.equal(decide({ ...cinema, advisory: her.advisory }, policy({ age: 10, withAdult: 'allow' })).withAdult, null, "the editors' age is never waived");
  t.equal(decide(cinema, policy({ age: 10, withAdult: 'allow', certificationCeilings: { BBFC: 'PG' } })).allowed, false, 'a ceiling failing too blocks');

  // Under the strictest rule the advisory and the parents' median must be within the age too.
  const rated = (age: number): TitleFacts => ({ ...cinema, advisory: { ageRecommendation: age, ratings: {} } });
  t.match(decide(rated(10), policy({ age: 10, ageRule: 'strictest', withAdult: 'allow' })), { allowed: true, withAdult: { rating: '12A' } });
  t.equal(decide(rated(11), policy({ age: 10, ageRule: 'strictest', withAdult: 'allow' })).allowed, false);
  const reviewed = { ...rated(10), community: { parents: { count: 6, medianAge: 11 } } };
  t.equal(decide(reviewed, policy({ age: 10, ageRule: 'strictest', withAdult: 'allow', communityMinReviews: 5 })).allowed, false, "the parents' median is never waived");

  // An override decides; the verdict still says what an adult would change.
  const overridden = decide(cinema, policy({ age: 10, withAdult: 'allow' }), { decision: 'block', note: null, expiresAt: null });
  t.match(overridden, { allowed: false, decidedBy: 'override', withAdult: { rating: '12A' } });
  t.match(overridden.message, /The rules alone would allow it with an adult: BBFC 12A/);
});

t.test("a household's country: its own systems decide a title's certification age under the expert rule", async (t) => {
  const film: TitleFacts = { name: 'Abroad', advisory: null, certifications: [{ system: 'BBFC', rating: '15' }, { system: 'FSK', rating: '12' }] };
  t.match(decide(film, policy({ age: 12 })), { allowed: false, age: 15, reasons: [{ code: 'age', system: 'BBFC' }] }, 'without a country, the strictest of all');
  const german = decide(film, policy({ age: 12, country: 'DE' }));
  t.match(german, { allowed: true, age: 12, decidedBy: 'certification' });
  t.equal(german.message, "OK at age 12: 'Abroad' is rated 12 by FSK, which restricts it to age 12 and up.", 'the verdict names the system that decided');
  t.match(decide(film, policy({ age: 12, country: 'US' })), { allowed: false, age: 15 }, 'a country none of whose systems rated it: the strictest of all');
  t.match(decide(film, policy({ age: 12, country: 'AQ' })), { allowed: false, age: 15 }, 'a country no system rates for');
  t.match(decide(film, policy({ age: 12, country: 'DE', ageRule: 'strictest' })), { allowed: false, age: 15 }, 'the strictest rule still takes every source');
  const rated = { ...film, advisory: { ageRecommendation: 14, ratings: {} } };
  t.match(decide(rated, policy({ age: 12, country: 'DE' })), { allowed: false, decidedBy: 'expert', age: 14 }, "the editors' advisory comes first");
  // With an adult, only the country's certifications need to admit the child.
  const cinema: TitleFacts = { name: 'Cinema', advisory: null, certifications: [{ system: 'FSK', rating: '12' }, { system: 'BBFC', rating: '15' }] };
  t.match(decide(cinema, policy({ age: 8, country: 'DE', withAdult: 'allow' })), { allowed: true, withAdult: { system: 'FSK', rating: '12', fromAge: 6 } });
  t.match(decide(cinema, policy({ age: 8, withAdult: 'allow' })), { allowed: false, withAdult: null }, 'elsewhere BBFC 15 keeps an 8-year-old out');
});

t.test('content descriptors a child blocks: a reason each, named by system, never across systems', async (t) => {
  const game: TitleFacts = {
    name: 'Fortnite',
    advisory: null,
    certifications: [
      { system: 'PEGI', rating: '12', descriptors: ['violence', 'in-game-purchases'] },
      { system: 'ESRB', rating: 'T', descriptors: ['violence'] },
    ],
  };
  const v = decide(game, policy({ age: 13, blockDescriptors: ['PEGI:in-game-purchases', 'ESRB:blood'] }));
  t.equal(v.status, 'blocked');
  t.same(v.reasons, [
    {
      code: 'descriptor',
      category: null,
      system: 'PEGI',
      limit: null,
      value: 'in-game-purchases',
      note: 'In-Game Purchases',
      message: `'Fortnite' carries PEGI's "In-Game Purchases" descriptor, which your child's settings block.`,
    },
  ]);
  t.equal(v.message, `Not OK at age 13: 'Fortnite' carries PEGI's "In-Game Purchases" descriptor, which your child's settings block.`);
  t.ok(decide(game, policy({ age: 13, blockDescriptors: ['Kijkwijzer:violence', 'ESRB:blood'] })).allowed, "Kijkwijzer's violence is not PEGI's or ESRB's");

  const two = decide(game, policy({ age: 10, blockDescriptors: ['PEGI:violence', 'ESRB:violence'] }));
  t.same(two.reasons.map((r) => r.code), ['age', 'descriptor', 'descriptor']);
  t.match(two.message, /^Not OK at age 10: ESRB rating for age 13 and up; PEGI "Violence"; ESRB "Violence"\.$/);

  // With an adult waives an age, never a descriptor.
  const film: TitleFacts = { name: 'Film', advisory: null, certifications: [{ system: 'BBFC', rating: '12A' }, { system: 'PEGI', rating: '3', descriptors: ['fear'] }] };
  t.same(decide(film, policy({ age: 10, withAdult: 'allow' })).withAdult, { system: 'BBFC', rating: '12A', fromAge: 8 });
  const feared = decide(film, policy({ age: 10, withAdult: 'allow', blockDescriptors: ['PEGI:fear'] }));
  t.equal(feared.allowed, false);
  t.equal(feared.withAdult, null);

  const overridden = decide(game, policy({ age: 13, blockDescriptors: ['PEGI:in-game-purchases'] }), { decision: 'allow', note: null, expiresAt: null });
  t.equal(overridden.message, `A parent allowed 'Fortnite'. Without it: 'Fortnite' carries PEGI's "In-Game Purchases" descriptor, which your child's settings block.`);
});
