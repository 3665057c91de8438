import t from 'tap';
import { componentOf, componentRank, summarise, summaryMarkdown, type CpuProfile } from '../../bench/profile-summary.js';

const file = (path: string) => `file:///srv/guidepost/${path}`;
const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

/**
 * A request's path in miniature. Each sample's time runs to the next sample: the deltas below
 * (µs) give the samples 100, 200, 300, 400, 500, 600, 700, 800 and, the last one to the
 * profile's end, 900.
 */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5, 9, 12] },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('(garbage collector)') },
    { id: 4, callFrame: frame('(program)') },
    { id: 5, callFrame: frame('parserOnIncoming', 'node:_http_server', 1000), children: [6] },
    { id: 6, callFrame: frame('routeHandler', file('node_modules/fastify/lib/route.js'), 40), children: [7, 8] },
    // A builtin called by fastify counts for fastify; node:crypto called by our plugin, for the plugin.
    { id: 7, callFrame: frame('stringify') },
    { id: 8, callFrame: frame('onRequest', file('dist/plugins/auth.js'), 9), children: [10] },
    { id: 9, callFrame: frame('write', file('node_modules/pino/lib/proto.js'), 200) },
    { id: 10, callFrame: frame('hash', 'node:internal/crypto/hash', 90) },
    { id: 11, callFrame: frame('all') },
    { id: 12, callFrame: frame('now', file('dist/store/sqlite/dialect.js'), 30), children: [11] },
  ],
  startTime: 1_000_000,
  endTime: 1_000_000 + 3600 + 900,
  samples: [2, 3, 4, 7, 8, 10, 9, 11, 2],
  timeDeltas: [0, 100, 200, 300, 400, 500, 600, 700, 800],
};

t.test('each sample counts until the next one, the last until the end', async (t) => {
  const summary = summarise(profile);
  t.equal(summary.sampledMs, 4.5, 'all 4,500 µs');
  t.equal(summary.busyMs, 3.5, 'less both idle samples, 100 and 900 µs');
  t.same(Object.fromEntries(summary.components.map((c) => [c.component, c.ms])), {
    GC: 0.2,
    'V8 and native, unattributed': 0.3,
    'routing and hooks': 0.4,
    'plugin: src/plugins/auth': 0.5 + 0.6,
    logging: 0.7,
    SQLite: 0.8,
  });
  t.same(summary.components[0], { component: 'plugin: src/plugins/auth', ms: 1.1 }, 'largest first');
});

t.test('the top functions are by self time, one line each however they were reached', async (t) => {
  const summary = summarise(profile, 3);
  t.same(
    summary.functions.map((f) => [f.name, f.where, f.component, f.ms]),
    [
      ['all', '(native)', 'SQLite', 0.8],
      ['write', 'proto.js:201', 'logging', 0.7],
      ['hash', 'hash:91', 'plugin: src/plugins/auth', 0.6],
    ],
  );
});

t.test('components by file: packages, our layers, Node’s HTTP', async (t) => {
  t.equal(componentOf(frame('x', file('node_modules/@fastify/helmet/index.js'))), 'plugin: @fastify/helmet');
  t.equal(componentOf(frame('x', file('node_modules/fastify/node_modules/find-my-way/index.js'))), 'routing and hooks', 'the innermost package');
  t.equal(componentOf(frame('x', file('node_modules/fast-json-stringify/index.js'))), 'serialisation');
  t.equal(componentOf(frame('x', file('node_modules/zod/v4/core/parse.js'))), 'validation');
  t.equal(componentOf(frame('x', file('node_modules/pg-protocol/dist/parser.js'))), 'PostgreSQL (pg)');
  t.equal(componentOf(frame('x', file('dist/domain/verdict.js'))), 'verdict and sentences');
  t.equal(componentOf(frame('x', file('src/schemas/serializer.ts'))), 'serialisation');
  t.equal(componentOf(frame('x', file('dist/schemas/titles.js'))), 'validation');
  t.equal(componentOf(frame('x', file('dist/store/title-records.js'))), 'record building');
  t.equal(componentOf(frame('x', file('dist/store/title-index.js'))), 'title index');
  t.equal(componentOf(frame('x', file('dist/routes/verdicts.js'))), 'routes and services');
  t.equal(componentOf(frame('x', 'node:internal/streams/writable')), 'Node HTTP/net');
  t.equal(componentOf(frame('x', 'node:internal/url')), null, 'its caller’s');
  t.equal(componentOf(frame('x', file('dist/store/pg/dialect.js'))), 'PostgreSQL (pg)');
  t.equal(componentOf(frame('x', file('dist/server.js'))), 'other', 'the process, not a layer');
  t.equal(componentOf(frame('x', file('bench/profile-hook.mjs'))), 'other');
  t.equal(componentOf(frame('x', file('node_modules/left-pad/index.js'))), 'other');
  t.equal(componentOf({ ...frame('anonymous3'), scriptId: '1160' }), 'serialisation', 'what fast-json-stringify compiles');
  t.equal(componentOf({ ...frame('validate9'), scriptId: '1236' }), 'serialisation', 'the ajv checks it compiles');
  t.equal(componentOf({ ...frame(''), scriptId: '1230' }), null, 'other compiled code: its caller’s (zod’s parsers)');
  t.equal(componentOf({ ...frame('anonymous3'), scriptId: '0' }), null, 'a builtin');
});

t.test('components are listed along the request’s path, plugins together, a component of no place just before "other"', async (t) => {
  const ranks = ['Node HTTP/net', 'routing and hooks', 'plugin: @fastify/cors', 'plugin: src/plugins/auth', 'logging', 'Redis (ioredis)', 'other'].map(componentRank);
  t.same(ranks, [...ranks].sort((a, b) => a - b));
  t.equal(componentRank('plugin: @fastify/cors'), componentRank('plugin: src/plugins/auth'));
});

t.test('the Markdown has a column per profile and a share of busy time per component', async (t) => {
  const summary = summarise(profile);
  const markdown = summaryMarkdown([
    { name: 'title detail', summary },
    { name: 'age verdict', summary },
  ]);
  t.match(markdown, '| component | title detail | age verdict |');
  // 0.8 of 3.5 ms busy
  t.match(markdown, '| SQLite | 22.9% | 22.9% |');
  t.match(markdown, '| busy ms (of sampled ms) | 4 (of 5) | 4 (of 5) |');
  const order = ['Node HTTP/net', 'routing and hooks', 'plugin: src/plugins/auth', 'logging', 'SQLite', 'GC', 'V8 and native'].map((c) => markdown.indexOf(`| ${c}`));
  t.same(order.slice(1), [...order.slice(1)].sort((a, b) => a - b), 'in the order of the request’s path');
  t.match(markdown, '**age verdict**: the 7 functions with the most self time');
});
