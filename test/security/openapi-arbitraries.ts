/**
 * fast-check arbitraries derived from the OpenAPI document: for each operation, requests whose
 * parameters and bodies follow the document's schemas (with realistic values where a name has
 * hints), the same with one spot broken, and plain hostile input — odd Unicode, injection
 * strings, path traversal, huge and negative numbers, bad references and cursors, bad tokens.
 */
import fc from 'fast-check';

export type JsonSchema = { [key: string]: any };

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface OperationRef {
  method: string;
  path: string;
  operation: Operation;
}

export function operationsOf(doc: OpenApiDocument): OperationRef[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** The roles an operation's bearer requirement names; [] for a token of any role; null when no token is needed. */
export function rolesOf(operation: Operation): string[] | null {
  const requirements = operation.security ?? [];
  if (requirements.length === 0 || requirements.some((r) => Object.keys(r).length === 0)) return null;
  return requirements.flatMap((r) => r.bearer ?? []);
}

// ---------------------------------------------------------------- hostile input

const LONE_SURROGATES = ['\uD800', '\uDFFF', 'ab\uD83D', '\uDE00cd', 'x\uDBFFy'];

/** Strings that have broken parsers, validators, databases and renderers before. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\n\r',
  '\u0000',
  'nul\u0000byte',
  ...LONE_SURROGATES,
  '\u202Egnp.exe\u202C', // right-to-left override
  'שלום עולם',
  'مرحبا',
  '\u200B',
  'zero\u200Bwidth\u200Djoiner\uFEFF',
  '\u00AD\u2060\u180E',
  '👨‍👩‍👧‍👦🏳️‍🌈💩',
  '𝕳𝖊𝖑𝖑𝖔',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  'ﷺ',
  '\uFFFF\uFFFE',
  'Ａｍéｌｉｅ',
  ...[21, 41, 61, 101, 121, 201, 301, 501, 1001, 2001].map((n) => 'x'.repeat(n)), // one past the limits the API sets
  'a'.repeat(5000),
  '🎬'.repeat(3000),
  "' OR '1'='1",
  "'; DROP TABLE titles; --",
  '" OR ""="',
  '1; SELECT * FROM tokens',
  '%',
  '_',
  '\\',
  '\\"',
  '{"$gt": ""}',
  '{"$where": "sleep(1000)"}',
  '$ne',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${7*7}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '/etc/passwd',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1',
  '-0',
  '0',
  '9'.repeat(400),
  '0x10',
  '1.5',
  ' 12 ',
  '١٢',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'imdb:tt0',
  'imdb:tt',
  'imdb:tt00000000000',
  'IMDB:TT1798709',
  'tmdb:movie:0',
  'tmdb:movie:-1',
  'tmdb:movie:0152601',
  'tmdb:book:1',
  'isbn:9780316769489',
  'isbn:0316769488',
  'isbn:',
  'isbn:978-0-316-76948-X',
  'tl_',
  `tl_${'z'.repeat(20)}`,
  `tl_${'A'.repeat(20)}`,
  'ch_00000000000000000000',
  'eyJrIjpbIngiLCJ5Il0sInMiOiJ4In0.AAAAAAAAAAAAAAAAAAAAAA',
  'not-a-cursor',
  '.',
  '..',
  'a.b.c',
];

export const nastyString = fc.constantFrom(...NASTY_STRINGS);

/** JSON values of the wrong type or out of any sensible range. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(-1, 0, -0, 1.5, -(2 ** 31), 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, 5e-324, true, false, null, [], {}, [null], { '': '' }),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/**
 * Raw bodies that are not what the content type says, or JSON that parses to something odd:
 * numbers beyond a double, prototype keys, deep nesting, duplicate keys, invalid UTF-8.
 */
export const RAW_BODIES: readonly (string | Buffer)[] = [
  '',
  '{',
  '{"name": "Her", ',
  'null',
  '[]',
  '[1,2,3]',
  '"just a string"',
  '42',
  'true',
  '{"year": 1e400}',
  '{"stars": -1e400}',
  '{"__proto__": {"role": "admin"}}',
  '{"constructor": {"prototype": {"role": "admin"}}}',
  '{"name": "a", "name": "b"}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `{"a":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
  Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
  Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  '{"name": "\\ud800"}',
  '{"name": "\\u0000"}',
];

export const ODD_CONTENT_TYPES = [
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json, text/plain',
  'application/merge-patch+json',
  '',
] as const;

// ---------------------------------------------------------------- values from schemas

/**
 * Realistic, valid values by property or parameter name, so that generated requests reach the
 * handlers; hostile values come from breaking them (validOrBroken) and from nastyString.
 */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

const WORDS = ['Maya', 'Paddington', 'A fine adventure.', 'Best toys ever', 'Too scary for 8', 'Le fabuleux destin d’Amélie', '千と千尋', 'x'];
/** Words a validator may let through but storage may mangle: odd Unicode inside otherwise fine text. */
const ODD_WORDS = ['Maya\uD800', '\uDC00Paddington', 'Sam\uD83D', '\u202EMaya', 'Zoë\u200B\u200D', 'Ma\u0000ya', '👨‍👩‍👧‍👦 Maya', '𝕳𝖊𝖑𝖑𝖔', 'Ａｍéｌｉｅ', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇', 'שלום Maya'];

function resolve(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  let current = schema;
  while (typeof current.$ref === 'string') {
    current = doc.components.schemas[current.$ref.replace('#/components/schemas/', '')] ?? {};
  }
  return current;
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 80, 80);
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? Infinity));
  if (schema.format === 'date-time') {
    return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  }
  if (schema.format === 'date') return fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  // Words of a length the schema takes, chosen before drawing: a filter that no word passes
  // (a two-character code, say) would make fast-check draw for ever.
  const fits = (words: readonly string[]) => words.filter((w) => w.length >= minLength && w.length <= (schema.maxLength ?? Infinity));
  return fc.oneof(
    ...[
      { weight: 3, words: fits(WORDS) },
      { weight: 1, words: fits(ODD_WORDS) },
    ]
      .filter(({ words }) => words.length > 0)
      .map(({ weight, words }) => ({ weight, arbitrary: fc.constantFrom(...words) })),
    { weight: 1, arbitrary: fc.string({ minLength, maxLength: Math.max(minLength, maxLength), unit: 'binary' }) },
  );
}

/**
 * Values that follow the schema's shape: types, enums, ranges, lengths, patterns, required and
 * optional keys. Rules the schema cannot say (a rating of the right system, an ISBN check digit)
 * come from the hints, by name.
 */
export function fromSchema(doc: OpenApiDocument, schema: JsonSchema, hints: Hints, name?: string, depth = 0): fc.Arbitrary<unknown> {
  const hint = name === undefined ? undefined : hints[name];
  const generic = genericFromSchema(doc, resolve(doc, schema), hints, depth);
  return hint ? fc.oneof({ weight: 9, arbitrary: hint }, { weight: 1, arbitrary: generic }) : generic;
}

function genericFromSchema(doc: OpenApiDocument, schema: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) return fc.oneof(...variants.map((v: JsonSchema) => fromSchema(doc, v, hints, undefined, depth)));
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  const types: string[] = [schema.type ?? (schema.properties ? 'object' : 'string')].flat();
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case 'null':
          return fc.constant(null);
        case 'boolean':
          return fc.boolean();
        case 'integer':
          return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
        case 'number':
          return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
        case 'array':
          return fc.array(fromSchema(doc, schema.items ?? {}, hints, undefined, depth + 1), {
            minLength: schema.minItems ?? 0,
            maxLength: Math.min(schema.maxItems ?? 4, Math.max(schema.minItems ?? 0, depth > 2 ? 1 : 4)),
          });
        case 'object':
          return objectFromSchema(doc, schema, hints, depth);
        default:
          return stringFor(schema);
      }
    }),
  );
}

function objectFromSchema(doc: OpenApiDocument, schema: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  const properties: Record<string, JsonSchema> = schema.properties ?? {};
  if (Object.keys(properties).length === 0 && typeof schema.additionalProperties === 'object') {
    const keys = schema.propertyNames?.enum ? fc.constantFrom<string>(...schema.propertyNames.enum) : fc.constantFrom(...WORDS);
    return fc.dictionary(keys, fromSchema(doc, schema.additionalProperties, hints, undefined, depth + 1), { maxKeys: 3 });
  }
  const model = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, fromSchema(doc, value, hints, key, depth + 1)]));
  return fc.record(model, { requiredKeys: (schema.required ?? []) as string[] });
}

// ---------------------------------------------------------------- breaking one spot

type Path = (string | number)[];

function pathsIn(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => pathsIn(v, [...path, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsIn(v, [...path, k], out);
  return out;
}

export type Mutation = 'replace' | 'remove' | 'add-key' | 'wrap-in-array';

/** The value with one spot broken: a value replaced by a hostile one, a key removed, an unknown key added, a value wrapped. */
export function breakOneSpot(value: unknown, pick: number, bad: unknown, how: Mutation): unknown {
  const copy: unknown = structuredClone(value);
  const paths = pathsIn(copy);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) return how === 'wrap-in-array' ? [copy] : how === 'add-key' && copy && typeof copy === 'object' ? { ...copy, unexpected: bad } : bad;
  const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], copy);
  const key = path.at(-1)!;
  switch (how) {
    case 'replace':
      parent[key] = bad;
      break;
    case 'remove':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 'add-key':
      if (parent[key] !== null && typeof parent[key] === 'object' && !Array.isArray(parent[key])) parent[key] = { ...parent[key], [String(bad).slice(0, 40) || 'x']: 1 };
      else parent[key] = bad;
      break;
    case 'wrap-in-array':
      parent[key] = [parent[key]];
      break;
  }
  return copy;
}

/** Most often valid, often valid but for one broken spot, sometimes hostile through and through. */
export function validOrBroken(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const broken = fc
    .tuple(valid, fc.nat(), nastyValue, fc.constantFrom<Mutation>('replace', 'remove', 'add-key', 'wrap-in-array'))
    .map(([value, pick, bad, how]) => breakOneSpot(value, pick, bad, how));
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 3, arbitrary: broken }, { weight: 1, arbitrary: nastyValue });
}

// ---------------------------------------------------------------- URLs

/**
 * Percent-encodes a path segment or query value. A lone surrogate has no UTF-8 form:
 * it is sent as the bytes a careless encoder would produce (WTF-8), which no decoder accepts.
 */
export function encode(value: string): string {
  let out = '';
  for (const char of value) {
    try {
      out += encodeURIComponent(char);
    } catch {
      const code = char.charCodeAt(0);
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
  }
  return out;
}
