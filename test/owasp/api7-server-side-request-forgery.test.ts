/**
 * OWASP API7:2023 Server Side Request Forgery — making the server fetch a URL a client chose.
 *
 * Why it hardly applies here, and what keeps it so: Guidepost never fetches anything. No field of
 * the API is a URL (no webhooks, images or callbacks); external ids are ids, matched by pattern
 * and looked up in our own database; import reads a local file. So the tests check that it
 * stays that way: (1) no request body or parameter in the document is URL-shaped, so adding one
 * forces an SSRF review; (2) the sources use no outbound client (fetch, http.request, sockets,
 * DNS, child processes); (3) with every outbound path of Node watched, a client filling every
 * text field with internal and metadata URLs causes no outbound call, and the URLs come back as
 * the inert text they were stored as.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { isPostgresUrl } from '../../src/store/index.js';
import { advisory, bearer, call } from '../helper.js';
import type { JsonSchema } from '../security/openapi-arbitraries.js';
import { buildWorld } from '../security/world.js';
import { doc, keyOf, operations } from './operations.js';

const URL_NAMES = /url|uri|link|href|webhook|callback|image|avatar|icon|endpoint|host|domain|feed|redirect/i;

function propertyNames(schema: JsonSchema | undefined, seen = new Set<string>()): string[] {
  if (!schema || typeof schema !== 'object') return [];
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop()!;
    if (seen.has(name)) return [];
    seen.add(name);
    return propertyNames(doc.components.schemas[name], seen);
  }
  const own = Object.keys(schema.properties ?? {});
  const nested = [...Object.values(schema.properties ?? {}), schema.items, schema.additionalProperties, ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  return [...own, ...nested.flatMap((s) => propertyNames(s as JsonSchema, seen))];
}

function formats(schema: unknown): string[] {
  if (!schema || typeof schema !== 'object') return [];
  return Object.entries(schema).flatMap(([key, value]) => (key === 'format' && typeof value === 'string' ? [value] : formats(value)));
}

t.test('no input of the document is a URL', async (t) => {
  for (const op of operations) {
    const body = op.operation.requestBody?.content['application/json']?.schema;
    const names = [...propertyNames(body), ...(op.operation.parameters ?? []).map((p) => p.name)];
    t.same(names.filter((name) => URL_NAMES.test(name)), [], `${keyOf(op)} takes no URL-like field`);
    t.same(formats(body).filter((f) => /uri|url|hostname|ipv/.test(f)), [], `${keyOf(op)} takes no URI-formatted value`);
  }
});

const OUTBOUND = [
  [/\bfetch\s*\(/, 'fetch()'],
  [/\bnew\s+(?:WebSocket|XMLHttpRequest|EventSource)\b/, 'a browser-style client'],
  [/from\s+'(?:node:)?(?:https|tls|dns|dgram|child_process|http2)'/, 'an outbound module'],
  [/from\s+'(?:undici|axios|got|node-fetch|needle|superagent|request|ky)'/, 'an HTTP client package'],
  [/import\s*\{[^}]*\b(?:request|get|connect|createConnection|Agent|lookup)\b[^}]*\}\s*from\s+'(?:node:)?(?:http|net)'/, 'an outbound function of http or net'],
  [/import\s+\*\s+as\s+\w+\s+from\s+'(?:node:)?(?:http|net)'|import\s+\w+\s+from\s+'(?:node:)?(?:http|net)'/, 'all of http or net'],
  [/\brequire\s*\(/, 'require()'],
] as const;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

t.test('the sources hold no outbound client', async (t) => {
  const files = sources(join(import.meta.dirname, '../../src'));
  t.ok(files.length > 30, `${files.length} source files`);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [pattern, what] of OUTBOUND) t.notMatch(text, pattern, `${file.split('/src/')[1]} uses no ${what}`);
  }
});

const HOSTILE_URLS = [
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://127.0.0.1:3000/v1/tokens',
  'http://localhost/admin',
  'http://[::1]:22/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'http://metadata.google.internal/computeMetadata/v1/',
  '//evil.example/x',
];

t.test('URLs in every text field are stored as text and never fetched', async (t) => {
  const calls: string[] = [];
  const watch = <T extends object>(target: T, name: keyof T & string, label: string) => {
    const original = target[name];
    (target as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      calls.push(`${label} ${String(args[0]).slice(0, 80)}`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    t.teardown(() => {
      (target as Record<string, unknown>)[name] = original;
    });
  };
  watch(globalThis, 'fetch', 'fetch');
  watch(http, 'request', 'http.request');
  watch(http, 'get', 'http.get');
  watch(https, 'request', 'https.request');
  watch(https, 'get', 'https.get');
  watch(net, 'connect', 'net.connect');
  watch(net, 'createConnection', 'net.createConnection');
  watch(net.Socket.prototype, 'connect', 'socket.connect');
  watch(dns, 'lookup', 'dns.lookup');
  watch(dns.promises, 'lookup', 'dns.promises.lookup');

  const w = await buildWorld(t);
  const [url, other] = [HOSTILE_URLS[0]!, HOSTILE_URLS[1]!];
  const title = await call(w.app, {
    method: 'POST',
    url: '/v1/titles',
    headers: bearer(w.tokens.editor),
    payload: {
      name: `Fetch me ${other}`,
      kind: 'youtube',
      studio: url,
      synopsis: HOSTILE_URLS.join(' '),
      genres: ['http://127.0.0.1/'],
      cast: HOSTILE_URLS,
      certifications: [{ system: 'MPA', rating: 'PG', reason: url }],
      advisory: advisory({ oneLiner: url, parentsNeedToKnow: other, talkAbout: HOSTILE_URLS }),
    },
  });
  t.equal(title.statusCode, 201);
  t.equal(title.data.studio, url, 'stored as given');
  t.same(title.data.cast, HOSTILE_URLS);
  for (const [method, path, token, payload] of [
    ['POST', `/v1/titles/${title.data.id}/reviews`, w.tokens.household, { by: 'parent', ageRating: 8, stars: 1, headline: url, body: HOSTILE_URLS.join('\n') }],
    ['POST', `/v1/titles/${title.data.id}/flags`, w.tokens.household, { reason: 'other', note: url }],
    ['POST', '/v1/children', w.tokens.household, { nickname: 'http://x.example', birth: '2015' }],
    ['PUT', `/v1/children/${w.children.a}/overrides/${title.data.id}`, w.tokens.household, { decision: 'allow', note: url }],
    ['POST', `/v1/children/${w.children.a}/verdicts`, w.tokens.household, { titles: HOSTILE_URLS }],
    ['POST', '/v1/households/me/tokens', w.tokens.household, { name: url }],
    ['GET', `/v1/titles?q=${encodeURIComponent(url)}`, null, undefined],
    ['GET', `/v1/titles/${encodeURIComponent(url)}`, null, undefined],
  ] as const) {
    const res = await call(w.app, { method, url: path, headers: token ? bearer(token) : {}, ...(payload && { payload }) });
    t.ok(res.statusCode < 500, `${method} ${path.slice(0, 60)}: ${res.statusCode}`);
  }
  const page = await call(w.app, { method: 'GET', url: `/v1/titles/${title.data.id}/reviews` });
  t.equal(page.data.items[0].headline, url, 'a review keeps the URL as text');
  t.match(page.headers['content-type'], /^application\/json/, 'and only ever inside JSON');
  // On PostgreSQL the pool connects to the database server as it needs: the one place expected.
  const database = isPostgresUrl(w.database.DATABASE_URL) ? new URL(w.database.DATABASE_URL) : null;
  const toDatabase = (call: string) => database !== null && [database.port || '5432', database.hostname].includes(call.split(' ')[1]!);
  const outbound = () => calls.filter((call) => !toDatabase(call));
  t.same(outbound(), [], 'no outbound call of any kind');
  await new Promise((resolve) => dns.lookup('localhost', resolve));
  t.match(outbound(), ['dns.lookup localhost'], 'and the watch does see one when it happens');
});
