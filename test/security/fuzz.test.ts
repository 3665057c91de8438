/**
 * Fuzzing every operation of the OpenAPI document with requests fast-check derives from it:
 * valid ones, valid ones with one spot broken, and hostile ones (odd Unicode, injection strings,
 * traversal, huge numbers, bad references, cursors and tokens), as nobody, a stranger with a
 * bogus token, either household, an editor or an admin. For every answer:
 *
 * - never a 5xx;
 * - every 4xx is application/problem+json with type, title, status and detail, and no stack;
 * - every 2xx body validates against the operation's response schema in the document, and
 *   holds no U+FFFD the request did not (text stored lossily, such as a lone surrogate);
 * - every status is one the operation documents;
 * - a rejected (4xx) request leaves the database exactly as it was.
 *
 * Deterministic: FUZZ_SEED (default below) seeds every operation's run; FUZZ_RUNS sets the runs
 * per operation, or FUZZ_REQUESTS the requests in all, shared among the operations (`npm run fuzz`
 * sends 100,000); FUZZ_OP="POST /v1/titles" runs one operation, and FUZZ_PATH replays the path a
 * failure reports; FUZZ_JOBS runs that many operations at once (each on its own world, so the
 * answers are the same). On SQLite (`npx tap`), or on PostgreSQL under `npm run test:pg`.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import fc from 'fast-check';
import t from 'tap';
import { OPENAPI_FILE } from '../../scripts/openapi.js';
import { POSTGRES_URL } from '../backend.js';
import { changedTables } from './db-digest.js';
import {
  encode,
  fromSchema,
  nastyString,
  nastyValue,
  ODD_CONTENT_TYPES,
  operationsOf,
  RAW_BODIES,
  rolesOf,
  validOrBroken,
  type Hints,
  type OpenApiDocument,
  type OperationRef,
} from './openapi-arbitraries.js';
import { buildWorld, type World } from './world.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124);
const ONLY = process.env.FUZZ_OP;
const REPLAY = process.env.FUZZ_PATH;
const POSTGRES = Boolean(POSTGRES_URL);

const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDocument;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(formats as unknown as (a: Ajv2020) => void)(ajv);
const validators = new Map<string, ValidateFunction>();

function responseValidator(op: OperationRef, status: number): ValidateFunction | null {
  const key = `${op.method} ${op.path} ${status}`;
  if (!validators.has(key)) {
    const schema = op.operation.responses[String(status)]?.content?.['application/json']?.schema;
    if (!schema) return null;
    validators.set(key, ajv.compile({ ...schema, components: doc.components }));
  }
  return validators.get(key)!;
}

type AuthLabel = 'none' | 'bogus' | 'household' | 'otherHousehold' | 'editor' | 'admin';

interface FuzzRequest {
  auth: AuthLabel;
  authorization: string | undefined;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload: string | Buffer | undefined;
}

function bogusAuthorizations(world: World): string[] {
  const { household, editor, revoked, unknown } = world.tokens;
  return [
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'Bearer gp_hh_short',
    `Bearer ${unknown}`,
    `Bearer ${revoked}`,
    `Bearer ${household.slice(0, -1)}${household.endsWith('A') ? 'B' : 'A'}`,
    `Bearer ${editor} ${editor}`,
    `Token ${editor}`,
    `Bearer ${'A'.repeat(5000)}`,
    'Bearer gp_hh_\u00e9\u00e9\u00e9',
    "Bearer ' OR '1'='1",
  ];
}

/** Tokens weighted towards the roles the operation names, so most requests get past the guard. */
function authArbitrary(world: World, op: OperationRef): fc.Arbitrary<[AuthLabel, string | undefined]> {
  const roles = rolesOf(op.operation);
  const valid: [AuthLabel, string, string][] = [
    ['household', world.tokens.household, 'household'],
    ['otherHousehold', world.tokens.otherHousehold, 'household'],
    ['editor', world.tokens.editor, 'editor'],
    ['admin', world.tokens.admin, 'admin'],
  ];
  const weightOf = (role: string) => (roles === null ? 1 : roles.length === 0 || roles.includes(role) || (role === 'admin' && roles.includes('editor')) ? 4 : 1);
  return fc.oneof(
    { weight: roles === null ? 4 : 1, arbitrary: fc.constant<[AuthLabel, string | undefined]>(['none', undefined]) },
    { weight: 1, arbitrary: fc.constantFrom(...bogusAuthorizations(world)).map((h): [AuthLabel, string] => ['bogus', h]) },
    ...valid.map(([label, token, role]) => ({ weight: weightOf(role), arbitrary: fc.constant<[AuthLabel, string]>([label, `Bearer ${token}`]) })),
  );
}

function hintsFor(world: World): { path: Hints; query: Hints; body: Hints } {
  const { titles, children, reviews, flags, tokenIds, refs, cursors } = world;
  const titleRefs = [...Object.values(titles), ...refs];
  const anyOf = <T>(values: T[]) => fc.constantFrom(...values);
  const tamperedCursors = cursors.flatMap((c) => [c.slice(0, -2), `${c}x`, `${c.split('.')[0]}.${'A'.repeat(22)}`, c.replace('.', '')]);
  return {
    path: {
      title: anyOf(titleRefs),
      child: anyOf(Object.values(children)),
      review: anyOf(Object.values(reviews)),
      flag: anyOf(Object.values(flags)),
      id: anyOf(Object.values(tokenIds)),
    },
    query: {
      limit: fc.constantFrom('1', '2', '20', '100'),
      cursor: fc.oneof(fc.constantFrom(...cursors), fc.constantFrom(...tamperedCursors)),
      age: fc.constantFrom('2', '12', '16', '18'),
      forAge: fc.constantFrom('2', '10', '18'),
      kind: fc.constantFrom('movie', 'book', 'movie,tv', 'game,app,podcast,youtube'),
      updatedSince: fc.constantFrom('2020-01-01T00:00:00Z', '2020-01-01T00:00:00+02:00', '2999-01-01T00:00:00.000Z'),
      ...Object.fromEntries(
        ['maxLanguage', 'maxSex', 'maxDrinking', 'maxViolence', 'maxConsumerism', 'minMessages', 'minRoleModels', 'minEducational', 'minDiversity'].map((name) => [
          name,
          fc.constantFrom('0', '2', '5'),
        ]),
      ),
      'if-match': fc.constantFrom('"1"', '"2"', '"3"', '"1-deadbeef"', '*', 'W/"1"', '"x"', ' ', ',', '"1", "2"', `"${'9'.repeat(20)}"`),
      // A few keys used again and again: replays, and the same key with another body.
      'idempotency-key': fc.constantFrom('"fuzz-key-000000000001"', 'fuzz-key-000000000002', 'k'.repeat(16), `"${'z'.repeat(255)}"`),
    },
    body: {
      rating: fc.constantFrom('G', 'PG', 'PG-13', 'R', 'NC-17', 'T', 'E', 'M', '12', '12A', '15', 'TV-MA', 'Open'),
      birth: fc.constantFrom('2014-05', '2016', '2019-12', '2010'),
      isbn: fc.constantFrom('9780316769488', '0316769487', '978-0-316-76948-8', '9780141036144'),
      childId: anyOf([children.a, children.a2, children.b]),
      titles: fc.array(anyOf(titleRefs), { minLength: 1, maxLength: 5 }),
      expiresAt: fc.constantFrom('2099-01-01T00:00:00Z', '2099-01-01T00:00:00+05:30'),
      nickname: fc.constantFrom('Maya', 'Zoë', 'ミナ', 'A'),
      name: fc.constantFrom('Paddington 2', 'The Dark Knight', 'WALL·E', 'Amélie'),
    },
  };
}

/** The value with probability p, else null. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: Math.round(p * 100), arbitrary }, { weight: Math.round((1 - p) * 100), arbitrary: fc.constant(null) });
}

function requestArbitrary(world: World, op: OperationRef): fc.Arbitrary<FuzzRequest> {
  const hints = hintsFor(world);
  const parameters = op.operation.parameters ?? [];
  const value = (p: (typeof parameters)[number], where: Hints) =>
    fc.oneof({ weight: p.in === 'path' ? 6 : 12, arbitrary: fromSchema(doc, p.schema, where, p.name).map(String) }, { weight: 1, arbitrary: nastyString });
  // An empty segment would name another route (DELETE /v1/titles/ is the collection), as would a dot segment; a blank one stays on this one.
  const pathParams = fc.record(
    Object.fromEntries(parameters.filter((p) => p.in === 'path').map((p) => [p.name, value(p, hints.path).map((v) => (['', '.', '..'].includes(v) ? `${v} ` : v))])),
  );
  // Few optional query parameters at a time, so that a valid request is not the rare one.
  const queryParams = fc
    .tuple(...parameters.filter((p) => p.in === 'query').map((p) => (p.required ? value(p, hints.query) : sometimes(value(p, hints.query), 0.2)).map((v) => [p.name, v] as const)))
    .map((pairs) => pairs.filter((pair): pair is readonly [string, string] => pair[1] !== null));
  const extraQuery = sometimes(fc.tuple(fc.constantFrom('unknown', 'limit', '__proto__', 'q[$ne]', 'age'), nastyString), 0.1);
  const headerParams = fc
    .tuple(...parameters.filter((p) => p.in === 'header').map((p) => sometimes(value(p, hints.query), 0.4).map((v) => [p.name, v] as const)))
    .map((pairs) => pairs.filter((pair): pair is readonly [string, string] => pair[1] !== null));

  const bodySchema = op.operation.requestBody?.content['application/json']?.schema;
  const jsonBody = bodySchema ? validOrBroken(fromSchema(doc, bodySchema, hints.body)) : nastyValue;
  type Body = [contentType: string, payload: string | Buffer | undefined];
  const body: fc.Arbitrary<Body> = fc.oneof(
    { weight: bodySchema ? 8 : 1, arbitrary: jsonBody.map((v): Body => ['application/json', JSON.stringify(v) ?? 'null']) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES).map((raw): Body => ['application/json', raw]) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ODD_CONTENT_TYPES), jsonBody).map(([type, v]): Body => [type, JSON.stringify(v) ?? '']) },
    { weight: bodySchema ? 1 : 8, arbitrary: fc.constant<Body>(['', undefined]) },
  );

  return fc
    .record({ auth: authArbitrary(world, op), pathParams, queryParams, extraQuery, headerParams, body })
    .map(({ auth: [label, authorization], pathParams, queryParams, extraQuery, headerParams, body: [contentType, payload] }) => {
      const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encode(String(pathParams[name])));
      const query = [...queryParams, ...(extraQuery ? [extraQuery] : [])].map(([k, v]) => `${encode(k)}=${encode(v)}`);
      const headers: Record<string, string> = Object.fromEntries(headerParams.map(([name, v]) => [name, v.replace(/[^\x20-\x7e]/g, '?')]));
      if (authorization !== undefined) headers.authorization = authorization;
      if (payload !== undefined && contentType) headers['content-type'] = contentType;
      return { auth: label, authorization, method: op.method, url: query.length ? `${path}?${query.join('&')}` : path, headers, payload };
    });
}

const clip = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max)}…(${text.length} characters)` : text);
const show = (req: FuzzRequest) => {
  const extra = Object.entries(req.headers).filter(([name]) => name !== 'authorization' && name !== 'content-type');
  return `${req.method} ${clip(req.url)} as ${req.auth}${extra.map(([name, value]) => ` [${name}: ${clip(value, 60)}]`).join('')}${
    req.payload === undefined ? '' : ` with ${req.headers['content-type'] || 'no content type'} ${clip(String(req.payload))}`
  }`;
};

const STACK = /\bat .+\.(?:ts|js|mjs|cjs):\d+|node_modules|\/work\/|SQLITE_|SqliteError/;

/** The first rule the answer breaks, or null. */
function brokenRule(op: OperationRef, status: number, headers: Record<string, unknown>, body: string, sent: string): string | null {
  if (status >= 500) return `a ${status}: ${body.slice(0, 500)}`;
  if (STACK.test(body)) return `the body shows internals: ${body.slice(0, 500)}`;
  if (status >= 400) {
    if (!/^application\/problem\+json/.test(String(headers['content-type']))) return `a ${status} served as ${String(headers['content-type'])}`;
    let problem: Record<string, unknown>;
    try {
      problem = JSON.parse(body);
    } catch {
      return `a ${status} whose body is not JSON: ${body.slice(0, 300)}`;
    }
    for (const key of ['type', 'title', 'detail'] as const) if (typeof problem[key] !== 'string' || problem[key] === '') return `a ${status} problem without ${key}: ${body}`;
    if (problem.status !== status) return `a ${status} problem whose status says ${String(problem.status)}`;
    return null;
  }
  if (status === 204 || status === 304) return body === '' ? null : `a ${status} with a body`;
  if (body.includes('\uFFFD') && !sent.includes('\uFFFD')) return `text came back altered (a character that was sent became U+FFFD): ${clip(body, 500)}`;
  const validate = responseValidator(op, status);
  if (!validate) return `a ${status} with no schema in the document`;
  if (!/^application\/json/.test(String(headers['content-type']))) return `a ${status} served as ${String(headers['content-type'])}`;
  if (!validate(JSON.parse(body))) return `the ${status} body breaks the documented schema: ${ajv.errorsText(validate.errors)} in ${body.slice(0, 500)}`;
  return null;
}

const operations = operationsOf(doc).filter((op) => !ONLY || `${op.method} ${op.path}` === ONLY);
const RUNS = Number(process.env.FUZZ_RUNS ?? Math.ceil(Number(process.env.FUZZ_REQUESTS ?? 70 * operations.length) / operations.length));
const BACKEND = POSTGRES ? 'PostgreSQL' : 'SQLite';
const RUN_FILE = POSTGRES ? 'npm run test:pg -- test/security/fuzz.test.ts' : 'npx tap test/security/fuzz.test.ts';
t.comment(`fuzz on ${BACKEND}: seed ${SEED}, ${RUNS} runs for each of ${operations.length} operations (FUZZ_SEED, FUZZ_RUNS or FUZZ_REQUESTS, FUZZ_OP, FUZZ_PATH)`);
// Operations at once: on PostgreSQL one operation's request runs while another's waits on the server.
t.jobs = Number(process.env.FUZZ_JOBS ?? 1);
const started = performance.now();
let sent = 0;
t.teardown(() => {
  const seconds = (performance.now() - started) / 1000;
  // The worlds are built within this time: it is the whole run, as `npm run fuzz` reports it.
  console.log(`# fuzz on ${BACKEND}: ${sent} requests in ${seconds.toFixed(1)} s, ${Math.round(sent / seconds)} a second`);
});

for (const op of operations) {
  t.test(`${op.method} ${op.path}`, async (t) => {
    const world = await buildWorld(t);
    const statuses = new Map<number, number>();
    /** Statuses the operation answered but does not document, with an example request. */
    const undocumented = new Map<number, string>();
    let before = await world.digest.snapshot();
    const out = await fc.check(
      fc.asyncProperty(requestArbitrary(world, op), async (req) => {
        sent += 1;
        const res = await world.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload !== undefined && { payload: req.payload }) });
        // The database as this request left it, taken before any rule can fail, so the next run (a shrink) compares with the truth.
        const [start, after] = [before, await world.digest.snapshot()];
        before = after;
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (!(String(res.statusCode) in op.operation.responses) && !undocumented.has(res.statusCode)) undocumented.set(res.statusCode, `${show(req)}: ${clip(res.body)}`);
        const broken = brokenRule(op, res.statusCode, res.headers, res.body, `${req.url} ${String(req.payload)}`);
        if (broken) throw new Error(`${show(req)}\n  → ${broken}`);
        if (res.statusCode >= 400 && after.digest !== start.digest) {
          throw new Error(`${show(req)}\n  → a rejected ${res.statusCode} changed the database: ${changedTables(start, after).join(', ')}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, ...(REPLAY && { path: REPLAY, endOnFailure: true }) },
    );
    if (out.failed) {
      const replay = `FUZZ_SEED=${out.seed} FUZZ_OP='${op.method} ${op.path}' FUZZ_PATH='${out.counterexamplePath}' ${RUN_FILE}`;
      t.fail(`${(out.errorInstance as Error | undefined)?.message ?? 'failed'}\n  (after ${out.numRuns} runs; replay: ${replay})`);
    }
    t.same(Object.fromEntries(undocumented), {}, 'every status answered is documented');
    t.ok(statuses.size > 0, `answers: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  });
}
