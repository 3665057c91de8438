import t from 'tap';
import { ageBasis, ageVerdict, type TitleFacts } from '../../src/domain/verdict.js';
import { adultFrom, findRating, RATING_SYSTEMS, strictestCertification } from '../../src/domain/rating-systems.js';

const ratings = {
  language: { level: 3, note: 'Strong words.' },
  sex: { level: 4, note: 'Sex scenes.' },
  drinking: { level: 2, note: 'Social drinking.' },
  violence: { level: 1, note: 'Arguments.' },
  messages: { level: 4, note: 'Love changes you.' },
  roleModels: { level: 3, note: 'A kind man.' },
};
const her: TitleFacts = {
  name: 'Her',
  advisory: { ageRecommendation: 16, ratings },
  certifications: [{ system: 'MPA', rating: 'R', reason: 'language, sexual content and brief graphic nudity' }],
};

t.test('the expert advisory decides before any certification', async (t) => {
  const at12 = ageVerdict(her, 12);
  t.equal(at12.status, 'blocked');
  t.equal(at12.allowed, false);
  t.equal(at12.age, 16);
  t.equal(at12.forAge, 12);
  t.equal(at12.decidedBy, 'expert');
  t.equal(at12.reasons.length, 1);
  t.match(at12.reasons[0], { code: 'age', limit: 12, value: 16 });
  t.match(at12.reasons[0]!.message, /from age 16; the viewer is 12/);
  t.match(at12.message, /^Not OK at age 12/);

  const at16 = ageVerdict(her, 16);
  t.equal(at16.status, 'ok');
  t.equal(at16.allowed, true);
  t.same(at16.reasons, []);
  t.match(at16.message, /^OK at age 16/);
  // MPA R maps to 17, but the advisory's 16 wins.
  t.equal(ageVerdict(her, 16).age, 16);
});

t.test('without an advisory the strictest certification decides', async (t) => {
  const facts: TitleFacts = {
    name: 'Knight',
    advisory: null,
    certifications: [
      { system: 'BBFC', rating: '12A' },
      { system: 'MPA', rating: 'PG-13', reason: 'intense violence' },
    ],
  };
  t.match(ageBasis(facts), { age: 13, decidedBy: 'certification', certification: { system: 'MPA', rating: 'PG-13' } });
  const v = ageVerdict(facts, 12);
  t.equal(v.status, 'blocked');
  t.equal(v.decidedBy, 'certification');
  t.match(v.reasons[0], { code: 'age', system: 'MPA', limit: 12, value: 13, note: 'intense violence' });
  t.match(v.reasons[0]!.message, /rated PG-13 by MPA \(intense violence\), which advises age 13 and up; the viewer is 12\./);
  t.equal(ageVerdict(facts, 13).status, 'ok');
});

t.test('a restrictive rating is described as a restriction', async (t) => {
  const v = ageVerdict({ name: 'X', advisory: null, certifications: [{ system: 'MPA', rating: 'R' }] }, 12);
  t.match(v.message, /restricts it to age 17 and up/);
});

t.test('nothing rates the title: unrated, not allowed', async (t) => {
  const v = ageVerdict({ name: 'Mystery', advisory: null, certifications: [] }, 18);
  t.equal(v.status, 'unrated');
  t.equal(v.allowed, false);
  t.equal(v.age, null);
  t.equal(v.decidedBy, 'none');
  t.match(v.reasons, [{ code: 'unrated' }]);
});

t.test('boundaries: the recommended age itself is OK, one younger is not', async (t) => {
  for (let age = 2; age <= 18; age++) {
    const facts: TitleFacts = { name: 'T', advisory: { ageRecommendation: age, ratings }, certifications: [] };
    t.equal(ageVerdict(facts, age).status, 'ok', `OK at ${age}`);
    if (age > 2) t.equal(ageVerdict(facts, age - 1).status, 'blocked', `blocked at ${age - 1}`);
  }
});

t.test('certification to age mapping', async (t) => {
  const expected: Record<string, Record<string, number>> = {
    MPA: { G: 2, PG: 8, 'PG-13': 13, R: 17, 'NC-17': 18 },
    'US-TV': { 'TV-Y': 2, 'TV-G': 2, 'TV-Y7': 7, 'TV-PG': 10, 'TV-14': 14, 'TV-MA': 17 },
    ESRB: { EC: 3, E: 6, 'E10+': 10, T: 13, M: 17, AO: 18 },
    PEGI: { '3': 3, '7': 7, '12': 12, '16': 16, '18': 18 },
    BBFC: { U: 4, PG: 8, '12A': 12, '12': 12, '15': 15, '18': 18, R18: 18 },
    FSK: { '0': 2, '6': 6, '12': 12, '16': 16, '18': 18 },
    USK: { '0': 2, '6': 6, '12': 12, '16': 16, '18': 18 },
    ACB: { G: 2, PG: 8, M: 15, 'MA15+': 15, 'R18+': 18, 'X18+': 18 },
    CERO: { A: 2, B: 12, C: 15, D: 17, Z: 18 },
    Kijkwijzer: { AL: 2, '6': 6, '9': 9, '12': 12, '14': 14, '16': 16, '18': 18 },
    CNC: { TP: 2, '12': 12, '16': 16, '18': 18 },
    ClassInd: { L: 2, '10': 10, '12': 12, '14': 14, '16': 16, '18': 18 },
    IARC: { '3+': 3, '7+': 7, '12+': 12, '16+': 16, '18+': 18 },
  };
  t.same(Object.keys(expected), RATING_SYSTEMS.map((s) => s.system), 'every system is checked, in the order served');
  for (const [system, ratings] of Object.entries(expected)) {
    for (const [rating, age] of Object.entries(ratings)) t.equal(findRating(system, rating)?.minimumAge, age, `${system} ${rating}`);
  }
  t.equal(findRating('MPA', 'Open'), undefined, 'an unknown rating is not found');
  t.equal(findRating('XYZ', 'G'), undefined, 'an unknown system is not found');
  for (const system of RATING_SYSTEMS) {
    const ages = system.ratings.map((r) => r.minimumAge);
    t.same(ages, [...ages].sort((a, b) => a - b), `${system.system} ratings run from mildest to strictest`);
    t.ok(ages.every((a) => a >= 2 && a <= 18), `${system.system} ages lie in 2–18`);
    for (const r of system.ratings) {
      if (r.accompaniedAge !== null) t.ok(r.accompaniedAge >= 2 && r.accompaniedAge < r.minimumAge, `${system.system} ${r.rating} admits younger children with an adult`);
    }
    t.ok(system.countries.every((c) => /^[A-Z]{2}$/.test(c)), `${system.system} countries are ISO 3166-1 alpha-2`);
    const keys = system.descriptors.map((d) => d.key);
    t.equal(new Set(keys).size, keys.length, `${system.system} descriptor keys are unique`);
  }
  // The ratings the issue names as admitting younger children with an adult, and no others.
  const accompanied = RATING_SYSTEMS.flatMap((s) => s.ratings.filter((r) => r.accompaniedAge !== null).map((r) => `${s.system} ${r.rating} from ${r.accompaniedAge}`));
  t.same(accompanied, ['MPA R from 2', 'BBFC 12A from 2', 'FSK 12 from 6', 'ACB MA15+ from 2', 'ClassInd 10 from 2', 'ClassInd 12 from 2', 'ClassInd 14 from 2', 'ClassInd 16 from 2', 'ClassInd 18 from 16']);
  // Guidepost waives an age with an adult only from the nearest milder rating's age.
  const from = (system: string, rating: string) => adultFrom(system, findRating(system, rating)!);
  t.same([from('MPA', 'R'), from('BBFC', '12A'), from('FSK', '12'), from('ACB', 'MA15+'), from('ClassInd', '10'), from('ClassInd', '18'), from('MPA', 'NC-17')], [13, 8, 6, 8, 2, 16, null]);
  const descriptors = (system: string) => RATING_SYSTEMS.find((s) => s.system === system)!.descriptors.map((d) => d.key);
  t.ok(descriptors('ESRB').includes('blood-and-gore') && descriptors('ESRB').includes('in-game-purchases'));
  t.same(descriptors('PEGI').slice(0, 8), ['violence', 'bad-language', 'fear', 'gambling', 'sex', 'drugs', 'discrimination', 'in-game-purchases']);
  t.equal(descriptors('Kijkwijzer').length, 6, "Kijkwijzer's six pictograms");
  t.equal(strictestCertification([]), null);
  t.match(strictestCertification([{ system: 'PEGI', rating: '16' }, { system: 'ESRB', rating: 'T' }]), { system: 'PEGI', minimumAge: 16 });
});
