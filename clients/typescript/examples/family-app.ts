/**
 * A family app in a page, against a running Guidepost server (demo data: GUIDEPOST_DEMO=1):
 *
 *   npx tsx examples/family-app.ts http://localhost:3000
 *
 * Searches the catalogue, asks whether a film is OK at 12, signs a household up, adds a child
 * with two limits of the parents' own (the server fills in the rest), asks a batch of verdicts
 * for the child, pages the child's catalogue, gives the child a token for its own tablet, from
 * which the child asks to watch a film it is blocked from, approves the request for the weekend
 * as the parents, reads the verdict again from the tablet, and erases the household again.
 * Prints a line a step; any answer it does not expect ends it with exit code 1.
 */
import { createGuidepostClient, type ChildVerdict } from '../src/index.js';

const baseUrl = process.argv[2] ?? 'http://localhost:3000';

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Ends the app with what came instead of the answer a step expected. */
function fail(step: string, { error, response }: Answer<unknown>): never {
  console.error(`${step}: unexpected ${response.status} ${JSON.stringify(error ?? null)}`);
  process.exit(1);
}

/** The data of a call that must succeed. */
function expect<T>(step: string, answer: Answer<T>): T {
  if (answer.data === undefined) fail(step, answer);
  return answer.data;
}

// Catalogue reads and age verdicts need no token.
const guidepost = createGuidepostClient({ baseUrl });

const found = expect('search', await guidepost.GET('/v1/titles', { params: { query: { q: 'her', kind: ['movie', 'tv'], limit: 5 } } }));
console.log(`search "her": ${found.items.map((title) => `${title.name} (${title.year ?? 'no year'})`).join(', ')}`);
const her = found.items.find((title) => title.name === 'Her');
if (!her) {
  console.error('search: no film named Her (is the server on demo data?)');
  process.exit(1);
}

const atTwelve = expect('verdict', await guidepost.GET('/v1/titles/{title}/verdict', { params: { path: { title: her.id }, query: { age: 12 } } }));
console.log(`Her at 12: ${atTwelve.status}: ${atTwelve.message}`);

// Sign-up answers the household's token, once; the family's client sends it from then on.
const signedUp = expect('sign-up', await guidepost.POST('/v1/households', { body: { name: 'The Parks' } }));
console.log(`signed up household ${signedUp.household.id} (token ${signedUp.token.hint})`);
const family = createGuidepostClient({ baseUrl, token: signedUp.token.token });

// Only the limits the parents care about; every other category follows the preset for her age,
// and the age rule, unrated titles and certification ceilings take the server's defaults.
const maya = expect(
  'add child',
  await family.POST('/v1/children', { body: { nickname: 'Maya', birth: '2014-05', limits: { language: { max: 1 }, violence: { max: 2 } } } }),
);
const parents = Object.entries(maya.limits).filter(([, limit]) => limit.source === 'parent');
const fromPreset = Object.keys(maya.limits).length - parents.length;
const own = parents.map(([category, limit]) => `${category} ${limit.max !== undefined ? `max ${limit.max}` : `min ${limit.min}`}`);
console.log(`added ${maya.nickname}, ${maya.age}: ${own.join(', ')}; ${fromPreset} more limits from the preset; age rule ${maya.ageRule}, unrated ${maya.unrated}`);

const child = { child: maya.id };
const verdicts = expect(
  'batch verdicts',
  await family.POST('/v1/children/{child}/verdicts', { params: { path: child }, body: { titles: ['imdb:tt1798709', 'tmdb:movie:862', 'imdb:tt0000001'] } }),
);
const describe = (verdict: ChildVerdict) => `${verdict.ref} ${verdict.title?.name ?? '(no such title)'}: ${verdict.status}`;
for (const verdict of verdicts.items) console.log(`for ${maya.nickname}: ${describe(verdict)}`);

let cursor: string | undefined;
let pages = 0;
let titles = 0;
do {
  const page = expect('child catalogue', await family.GET('/v1/children/{child}/titles', { params: { path: child, query: { limit: 10, cursor } } }));
  pages += 1;
  titles += page.items.length;
  cursor = page.nextCursor ?? undefined;
} while (cursor !== undefined);
console.log(`${maya.nickname} may watch ${titles} titles (${pages} pages of at most 10)`);

// The child's own tablet: a token that reads Maya's verdicts and catalogue, and asks to watch.
const device = expect('device token', await family.POST('/v1/children/{child}/tokens', { params: { path: child }, body: { name: 'Maya’s tablet' } }));
const tablet = createGuidepostClient({ baseUrl, token: device.token });
const herForMaya = expect('tablet verdict', await tablet.GET('/v1/children/{child}/verdicts/{title}', { params: { path: { ...child, title: her.id } } }));
console.log(`on ${device.name}: Her is ${herForMaya.status}`);
const limitsFromTablet = await tablet.GET('/v1/children/{child}', { params: { path: child } });
if (limitsFromTablet.response.status !== 403) fail('tablet reads limits', limitsFromTablet);
console.log(`on ${device.name}: Maya's limits are the parents' (403)`);

const asked = expect(
  'request to watch',
  await tablet.POST('/v1/children/{child}/requests', { params: { path: child }, body: { title: her.id, note: 'Everyone in my class has seen it' } }),
);
console.log(`on ${device.name}: asked to watch ${asked.title.name} (${asked.status})`);
const waiting = expect('pending requests', await family.GET('/v1/households/me/requests', { params: { query: { status: 'pending' } } }));
console.log(`the parents see ${waiting.items.length} request waiting: ${waiting.items.map((r) => `${r.title.name}, "${r.note}"`).join('; ')}`);
const weekend = new Date(Date.now() + 2 * 86_400_000).toISOString();
const approved = expect(
  'approve',
  await family.POST('/v1/children/{child}/requests/{request}/approve', { params: { path: { ...child, request: asked.id } }, body: { until: weekend } }),
);
console.log(`approved until ${approved.allowedUntil}`);
const nowForMaya = expect('tablet verdict again', await tablet.GET('/v1/children/{child}/verdicts/{title}', { params: { path: { ...child, title: her.id } } }));
console.log(`on ${device.name}: Her is ${nowForMaya.status}: ${nowForMaya.message}`);

const erased = await family.DELETE('/v1/households/me');
if (erased.response.status !== 204) fail('erase', erased);
console.log('erased the household and everything about Maya');
