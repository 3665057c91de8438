/**
 * The abuse scenario of `npm run bench -- --only abuse` (issue 16): what one client sending the
 * worst bodies it may, at the rate its limit allows, does to everyone else. bench/run.ts runs the
 * phases; this file holds the bodies and the report.
 */
import type { PacedResult } from './paced.js';

export interface Attack {
  name: string;
  path: string;
  /** Sent with a household token (the token limit), else anonymously (the per-address limit). */
  token: boolean;
  body: (limit: number) => string;
}

/**
 * The shortest distinct keys, as many as fit in `limit` bytes with the rest of the body: every
 * unknown key is one more error in the answer. Duplicates would collapse in JSON.parse.
 */
function manyKeys(before: string, after: string, limit: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const keys = [...alphabet];
  for (const a of alphabet) for (const b of alphabet) keys.push(a + b);
  for (const a of alphabet) for (const b of alphabet) for (const c of alphabet) keys.push(a + b + c);
  const entries: string[] = [];
  let size = before.length + after.length;
  for (const key of keys) {
    const entry = `"${key}":0`;
    if (size + entry.length + 1 > limit) break;
    entries.push(entry);
    size += entry.length + 1;
  }
  return `${before}${entries.join(',')}${after}`;
}

function filled(before: string, item: string, after: string, limit: number): string {
  const count = Math.floor((limit - before.length - after.length + 1) / (item.length + 1));
  return `${before}${Array(count).fill(item).join(',')}${after}`;
}

/**
 * The bodies, each just under BODY_LIMIT. Only a sign-up takes a body without a token; the other
 * bodies need a household token, which anyone gets by signing up, and then have the token limit.
 */
export const ATTACKS: Attack[] = [
  {
    // The issue's body: the 400 lists every key, in `detail` and again in `errors`.
    name: 'unknown keys',
    path: '/v1/households',
    token: false,
    body: (limit) => manyKeys('{', '}', limit),
  },
  {
    name: 'deep nesting',
    path: '/v1/households',
    token: false,
    body: (limit) => {
      const depth = Math.floor((limit - '{"name":}'.length) / 2);
      return `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    },
  },
  {
    // A "constructor" key makes the JSON parser's prototype-poisoning check walk every element;
    // without it an array of numbers is cheap to parse.
    name: 'huge array',
    path: '/v1/households',
    token: false,
    body: (limit) => filled('{"constructor":0,"x":[', '{}', ']}', limit),
  },
  {
    // With a token: the largest answer of the bodies tried (the ceilings list their keys like
    // `limits` does, in longer paths), at the token limit, ten times the anonymous one.
    name: 'token: certificationCeilings keys',
    path: '/v1/children',
    token: true,
    body: (limit) => manyKeys('{"nickname":"A","birth":"2015","certificationCeilings":{', '}}', limit),
  },
];

export interface AbusePhase {
  phase: string;
  /** The attacker's pace, requests a second; null for the baseline. */
  attackRate: number | null;
  attackBodyBytes: number | null;
  legitimate: {
    sent: number;
    /** 2xx answers a second over the phase. */
    okPerSecond: number;
    /** Of every request sent: one never answered counts with the time it waited. */
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    ok: number;
    overloaded: number;
    otherNon2xx: number;
    /** Connection errors, and requests still unanswered when the phase's wait for answers ended. */
    unanswered: number;
    statuses: Record<string, number>;
    /** This phase's p99 over the baseline's. */
    p99VsBaseline: number;
    okVsBaseline: number;
  };
  healthz: { sent: number; p50Ms: number; p99Ms: number; maxMs: number; unanswered: number; p99VsBaseline: number };
  attacker: PacedResult | null;
  /** The service's warnings by message, from the start of the phase until it recovered. */
  warnings: Record<string, number>;
  /**
   * What the "shedding load" warnings say of the event loop: at most one a second, and only once
   * the loop is free to take a request, each names the mean delay of the second before it, or
   * null where the loop was blocked through the whole second (under-pressure then has no sample).
   * The /healthz probes show it better: a probe waits as long as the loop is blocked.
   */
  eventLoopDelaysMs: (number | null)[];
  /** From the attacker's last request until /readyz answered 200 three times in a row; null if it did not within the wait. */
  recoverySeconds: number | null;
}

export interface PhaseMeasures {
  phase: string;
  seconds: number;
  attack: { rate: number; bodyBytes: number } | null;
  legitimate: PacedResult;
  healthz: PacedResult;
  attacker: PacedResult | null;
  warnings: AbusePhase['warnings'];
  eventLoopDelaysMs: AbusePhase['eventLoopDelaysMs'];
  recoverySeconds: number | null;
}

export function phaseOf({ phase, seconds, attack, legitimate, healthz, attacker, warnings, eventLoopDelaysMs, recoverySeconds }: PhaseMeasures, baseline: AbusePhase | null): AbusePhase {
  const count = (test: (status: number) => boolean) => Object.entries(legitimate.statuses).reduce((sum, [status, s]) => sum + (test(Number(status)) ? s.count : 0), 0);
  const ratio = (value: number, base: number | undefined) => (base ? Math.round((value / base) * 100) / 100 : 1);
  const ok = count((s) => s >= 200 && s < 300);
  const okPerSecond = Math.round(ok / seconds);
  return {
    phase,
    attackRate: attack?.rate ?? null,
    attackBodyBytes: attack?.bodyBytes ?? null,
    legitimate: {
      sent: legitimate.sent,
      okPerSecond,
      p50Ms: legitimate.latencyMs.p50,
      p99Ms: legitimate.latencyMs.p99,
      maxMs: legitimate.latencyMs.max,
      ok,
      overloaded: count((s) => s === 503),
      otherNon2xx: count((s) => s !== 503 && (s < 200 || s >= 300)),
      unanswered: legitimate.errors + legitimate.unanswered,
      statuses: Object.fromEntries(Object.entries(legitimate.statuses).map(([status, s]) => [status, s.count])),
      p99VsBaseline: ratio(legitimate.latencyMs.p99, baseline?.legitimate.p99Ms),
      okVsBaseline: ratio(okPerSecond, baseline?.legitimate.okPerSecond),
    },
    healthz: {
      sent: healthz.sent,
      p50Ms: healthz.latencyMs.p50,
      p99Ms: healthz.latencyMs.p99,
      maxMs: healthz.latencyMs.max,
      unanswered: healthz.unanswered + healthz.errors,
      p99VsBaseline: ratio(healthz.latencyMs.p99, baseline?.healthz.p99Ms),
    },
    attacker,
    warnings,
    eventLoopDelaysMs,
    recoverySeconds,
  };
}

const mb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${Math.round(bytes / 1e3)} kB` : `${bytes} B`);

/** The attacker's answers, e.g. "400 ×12 (8.0 MB), 503 ×80 (170 B), 18 unanswered". */
export function attackerSummary(attacker: PacedResult | null): string {
  if (!attacker) return '–';
  const statuses = Object.entries(attacker.statuses).map(([status, s]) => `${status} ×${s.count} (${s.minBytes === s.maxBytes ? mb(s.maxBytes) : `${mb(s.minBytes)}–${mb(s.maxBytes)}`})`);
  const lost = attacker.unanswered + attacker.errors;
  return [`${attacker.sent} sent`, ...statuses, ...(lost ? [`${lost} unanswered`] : [])].join(', ');
}

export function abuseTable(phases: AbusePhase[]): string[] {
  return [
    '| phase | legit 2xx/s (× baseline) | legit p50 ms | legit p99 ms (× baseline) | legit 503 | legit other non-2xx, unanswered | /healthz p99 ms (× baseline) | /healthz max ms | attacker\'s answers | service warnings | recovery s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
    ...phases.map((p) => {
      const l = p.legitimate;
      const h = p.healthz;
      const attacker = p.attackRate === null ? '–' : `${p.attackRate}/s of ${mb(p.attackBodyBytes ?? 0)}: ${attackerSummary(p.attacker)}`;
      return `| ${p.phase} | ${l.okPerSecond} (${l.okVsBaseline}) | ${l.p50Ms} | ${l.p99Ms} (${l.p99VsBaseline}) | ${l.overloaded} | ${l.otherNon2xx}, ${l.unanswered} | ${h.p99Ms} (${h.p99VsBaseline}) | ${h.maxMs}${h.unanswered ? ` (${h.unanswered} unanswered)` : ''} | ${attacker} | ${Object.entries(p.warnings).map(([msg, n]) => `${n} ${msg}`).join(', ') || '–'} | ${p.recoverySeconds ?? 'not within the wait'} |`;
    }),
  ];
}
