/**
 * Where the service's time goes, from V8 CPU profiles (.cpuprofile, as `npm run bench -- --profile`
 * and `node --cpu-prof` write them): self time per function, grouped into components by the
 * function's file (routing and hooks, each plugin, logging, validation, serialisation, record
 * building, the verdict, the database, GC, Node's HTTP), as a share of the busy time.
 *
 *   tsx bench/profile-summary.ts A.cpuprofile [B.cpuprofile …]   → Markdown on stdout
 *
 * A sample's time runs to the next sample (the last one's to the profile's end), as Chrome's
 * DevTools counts it. Busy time is all sampled time but `(idle)`. A function with no file of its
 * own (a V8 builtin such as JSON.parse, or a native addon's method such as better-sqlite3's
 * Statement#get) counts for the component of the nearest caller that has one, and so do Node's
 * own modules other than its HTTP, network, stream and timer plumbing (crypto for a token's hash
 * counts for the plugin that hashes). Code compiled from a string has no file either: the
 * functions fast-json-stringify compiles (anonymous0, anonymous1, …) and the ajv checks they run
 * for a union's branches (validate9, …) count for serialisation; any other, for its caller (zod
 * compiles its object parsers so).
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}
export interface CallFrame {
  functionName: string;
  /** "0" for V8's builtins; another for a script, one compiled from a string (new Function) too. */
  scriptId?: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

export interface ProfileSummary {
  /** All sampled time, idle included, in ms. */
  sampledMs: number;
  busyMs: number;
  /** Self time per component in ms, idle excluded; largest first. */
  components: { component: string; ms: number }[];
  /** The functions with the most self time, idle excluded; largest first. */
  functions: { name: string; where: string; component: string; ms: number }[];
}

export const IDLE = 'idle';
/** The order components are listed in: the request's path through the service, then the runtime. */
export const COMPONENTS = [
  'Node HTTP/net',
  'routing and hooks',
  'plugins',
  'logging',
  'validation',
  'routes and services',
  'title index',
  'record building',
  'verdict and sentences',
  'serialisation',
  'SQLite',
  'PostgreSQL (pg)',
  'GC',
  'V8 and native, unattributed',
  'other',
] as const;

/** Packages by component; a package not here is "other". */
const PACKAGES: Record<string, string> = {
  ...Object.fromEntries(
    [
      'fastify', 'find-my-way', 'avvio', 'fastify-plugin', '@fastify/error', 'fast-querystring', 'fast-decode-uri-component', 'toad-cache', 'light-my-request',
      'proxy-addr', '@fastify/proxy-addr', 'forwarded', '@fastify/forwarded', 'content-type', 'process-warning', 'abstract-logging', 'rfdc', 'secure-json-parse',
      'safe-regex2', 'ret', 'fastq', 'reusify', 'semver', 'close-with-grace',
    ].map((name) => [name, 'routing and hooks']),
  ),
  ...Object.fromEntries(
    ['pino', 'pino-std-serializers', 'sonic-boom', 'thread-stream', 'fast-redact', '@pinojs/redact', 'quick-format-unescaped', 'atomic-sleep', 'on-exit-leak-free', 'safe-stable-stringify'].map(
      (name) => [name, 'logging'],
    ),
  ),
  zod: 'validation',
  'fastify-type-provider-zod': 'validation',
  ...Object.fromEntries(
    ['fast-json-stringify', '@fastify/fast-json-stringify-compiler', 'ajv', 'ajv-formats', 'fast-uri', 'json-schema-ref-resolver', '@fastify/merge-json-schemas', 'fast-deep-equal', 'json-schema-traverse'].map(
      (name) => [name, 'serialisation'],
    ),
  ),
  '@fastify/helmet': 'plugin: @fastify/helmet',
  helmet: 'plugin: @fastify/helmet',
  '@fastify/cors': 'plugin: @fastify/cors',
  '@fastify/rate-limit': 'plugin: @fastify/rate-limit',
  '@fastify/under-pressure': 'plugin: @fastify/under-pressure',
  '@fastify/swagger': 'plugin: @fastify/swagger',
  '@fastify/swagger-ui': 'plugin: @fastify/swagger',
  '@fastify/static': 'plugin: @fastify/swagger',
  'better-sqlite3': 'SQLite',
  bindings: 'SQLite',
  ...Object.fromEntries(
    ['pg', 'pg-pool', 'pg-protocol', 'pg-types', 'pg-connection-string', 'pgpass', 'postgres-array', 'postgres-bytea', 'postgres-date', 'postgres-interval', 'split2'].map((name) => [
      name,
      'PostgreSQL (pg)',
    ]),
  ),
  ioredis: 'Redis (ioredis)',
};

/** Node's modules that are its HTTP server: parsing, sockets, streams, timers and the task queue. */
const NODE_HTTP = /^node:(_http_|http|net|stream|internal\/(http|streams|stream_base_commons|net|timers|process\/task_queues|async_hooks|event_target)|events|timers)/;

/** The component a frame counts for by its own file, or null for "its caller's". */
export function componentOf(frame: CallFrame): string | null {
  const { functionName: name, url, scriptId = '0' } = frame;
  if (name === '(idle)') return IDLE;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'V8 and native, unattributed';
  if (url === '' && scriptId !== '0' && /^(anonymous|validate)\d+$/.test(name)) return 'serialisation';
  if (url === '' || name === '(root)') return null;
  if (url.startsWith('node:')) return NODE_HTTP.test(url) ? 'Node HTTP/net' : null;
  const path = url.replace(/^file:\/\//, '');
  const inPackage = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (inPackage) return PACKAGES[inPackage[1]!] ?? 'other';
  const own = /\/(?:src|dist)\/(.+)\.[cm]?[jt]s$/.exec(path)?.[1];
  if (own === undefined) return 'other';
  const [top, rest] = [own.split('/')[0]!, own.slice(own.indexOf('/') + 1)];
  if (top === 'plugins') return `plugin: src/plugins/${rest}`;
  if (top === 'domain') return 'verdict and sentences';
  if (own === 'schemas/serializer') return 'serialisation';
  if (top === 'schemas') return 'validation';
  if (top === 'store') {
    if (rest.startsWith('sqlite/')) return 'SQLite';
    if (rest.startsWith('pg/')) return 'PostgreSQL (pg)';
    if (rest === 'title-index' || rest === 'title-ids') return 'title index';
    return 'record building';
  }
  if (['routes', 'services', 'catalogue', 'app', 'errors'].includes(top)) return 'routes and services';
  return 'other';
}

/** Where a component goes in the listing: the plugins where "plugins" stands, unknown ones before "other". */
export function componentRank(component: string): number {
  const at = COMPONENTS.indexOf(component.startsWith('plugin: ') ? 'plugins' : (component as (typeof COMPONENTS)[number]));
  return at === -1 ? COMPONENTS.indexOf('other') - 0.5 : at;
}

export function summarise(profile: CpuProfile, top = 10): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const components = new Map<number, string>();
  const componentAt = (id: number): string => {
    let found = components.get(id);
    if (found === undefined) {
      const up = parent.get(id);
      found = componentOf(byId.get(id)!.callFrame) ?? (up === undefined ? 'V8 and native, unattributed' : componentAt(up));
      components.set(id, found);
    }
    return found;
  };

  const self = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  let at = profile.startTime + (timeDeltas[0] ?? 0);
  for (let i = 0; i < samples.length; i++) {
    const next = i + 1 < samples.length ? at + timeDeltas[i + 1]! : Math.max(at, profile.endTime);
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (next - at));
    at = next;
  }

  const perComponent = new Map<string, number>();
  const perFunction = new Map<string, ProfileSummary['functions'][number]>();
  let sampledUs = 0;
  for (const [id, us] of self) {
    sampledUs += us;
    const component = componentAt(id);
    if (component === IDLE) continue;
    perComponent.set(component, (perComponent.get(component) ?? 0) + us);
    const { functionName, url, lineNumber, scriptId = '0' } = byId.get(id)!.callFrame;
    // One function however many call paths reach it; V8 counts lines from 0.
    const where = url ? `${basename(url)}:${lineNumber + 1}` : scriptId === '0' ? '(native)' : '(compiled)';
    const key = `${functionName}\u0000${url}\u0000${scriptId}\u0000${lineNumber}\u0000${component}`;
    const entry = perFunction.get(key) ?? { name: functionName || '(anonymous)', where, component, ms: 0 };
    entry.ms += us;
    perFunction.set(key, entry);
  }
  const ms = (us: number) => us / 1000;
  return {
    sampledMs: ms(sampledUs),
    busyMs: ms([...perComponent.values()].reduce((a, b) => a + b, 0)),
    components: [...perComponent].map(([component, us]) => ({ component, ms: ms(us) })).sort((a, b) => b.ms - a.ms),
    functions: [...perFunction.values()]
      .map((f) => ({ ...f, ms: ms(f.ms) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
  };
}

const percent = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '–');
const milliseconds = (ms: number) => Math.round(ms).toLocaleString('en');

/** A table of components (rows) by scenario (columns), then each scenario's top functions. */
export function summaryMarkdown(profiles: { name: string; summary: ProfileSummary }[]): string {
  const names = [...new Set(profiles.flatMap((p) => p.summary.components.map((c) => c.component)))].sort(
    (a, b) => componentRank(a) - componentRank(b) || a.localeCompare(b),
  );
  const share = (summary: ProfileSummary, component: string) => percent(summary.components.find((c) => c.component === component)?.ms ?? 0, summary.busyMs);
  const lines = [
    'Self time per component, as a share of the service’s busy time (all sampled time but idle).',
    '',
    `| component | ${profiles.map((p) => p.name).join(' | ')} |`,
    `|---|${profiles.map(() => '---:|').join('')}`,
    `| busy ms (of sampled ms) | ${profiles.map((p) => `${milliseconds(p.summary.busyMs)} (of ${milliseconds(p.summary.sampledMs)})`).join(' | ')} |`,
    ...names.map((component) => `| ${component} | ${profiles.map((p) => share(p.summary, component)).join(' | ')} |`),
  ];
  for (const { name, summary } of profiles) {
    lines.push(
      '',
      `**${name}**: the ${summary.functions.length} functions with the most self time`,
      '',
      '| function | where | component | self ms | of busy |',
      '|---|---|---|---:|---:|',
      ...summary.functions.map((f) => `| ${f.name.replace(/\|/g, '\\|')} | ${f.where} | ${f.component} | ${milliseconds(f.ms)} | ${percent(f.ms, summary.busyMs)} |`),
    );
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: tsx bench/profile-summary.ts FILE.cpuprofile …\n');
    process.exit(2);
  }
  const profiles = files.map((file) => ({ name: basename(file, '.cpuprofile'), summary: summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile) }));
  process.stdout.write(summaryMarkdown(profiles));
}
