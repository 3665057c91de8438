/**
 * The one pass that holds a JSON body to its operation's bounds before it is parsed: it agrees
 * with the parsed value's own shape on every JSON document fast-check makes, reads strings whole
 * (brackets, commas and escaped quotes inside them are text), names where the excess is, and the
 * bounds come from the schema, refusing a schema that leaves an object or a list unbounded.
 */
import fc from 'fast-check';
import t from 'tap';
import { z } from 'zod';
import { boundsOf, boundsOfJsonSchema, firstExcess, UNDECLARED_BODY, type ShapeBounds } from '../../src/schemas/json-shape.js';

/** The shape of a parsed value, measured the slow and obvious way. */
function shapeOf(value: unknown): ShapeBounds {
  if (Array.isArray(value)) {
    const inner = value.map(shapeOf);
    return { depth: 1 + Math.max(0, ...inner.map((s) => s.depth)), keys: Math.max(0, ...inner.map((s) => s.keys)), items: Math.max(value.length, ...inner.map((s) => s.items)) };
  }
  if (value !== null && typeof value === 'object') {
    const inner = Object.values(value).map(shapeOf);
    return { depth: 1 + Math.max(0, ...inner.map((s) => s.depth)), keys: Math.max(Object.keys(value).length, ...inner.map((s) => s.keys)), items: Math.max(0, ...inner.map((s) => s.items)) };
  }
  return { depth: 0, keys: 0, items: 0 };
}

const within = (shape: ShapeBounds, bounds: ShapeBounds) => shape.depth <= bounds.depth && shape.keys <= bounds.keys && shape.items <= bounds.items;

t.test('the pass agrees with the parsed shape on any JSON', async (t) => {
  const bounds = fc.record({ depth: fc.integer({ min: 0, max: 6 }), keys: fc.integer({ min: 0, max: 6 }), items: fc.integer({ min: 0, max: 6 }) });
  // Keys and strings full of the characters the pass must read past: quotes, backslashes, brackets, commas.
  const text = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', ',', ':', 'a', 'é', '\u2028') });
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.integer(), text, fc.array(tie('value'), { maxLength: 8 }), fc.dictionary(text, tie('value'), { maxKeys: 8 })),
  })).value;
  fc.assert(
    fc.property(json, bounds, fc.boolean(), (value, b, pretty) => {
      const source = JSON.stringify(value, null, pretty ? 2 : undefined);
      const excess = firstExcess(source, b);
      if ((excess === null) !== within(shapeOf(value), b)) throw new Error(`${source} against ${JSON.stringify(b)}: ${JSON.stringify(excess)}`);
    }),
    { numRuns: 3000, seed: 20_261_206 },
  );
  t.pass('3,000 documents');
});

t.test('the excess is named as validation names a field', async (t) => {
  const b: ShapeBounds = { depth: 3, keys: 2, items: 2 };
  t.same(firstExcess('{"a":1,"b":2,"c":3}', b), { path: 'body', message: 'has more than 2 fields, more than the schema allows anywhere' });
  t.same(firstExcess('{"limits":{"x":1,"y":2,"z":3}}', b)?.path, 'limits');
  t.same(firstExcess('{"titles":[1,2,3]}', b), { path: 'titles', message: 'has more than 2 items, more than the schema allows anywhere' });
  t.same(firstExcess('{"a":[0,{"b":{"c":1}}]}', b), { path: 'a.1.b', message: 'is nested more than 3 deep, deeper than the schema allows anywhere' });
  t.same(firstExcess('{"s":"[[[[,,,,{{{{\\"]]]]","t":{"u":"\\\\"}}', b), null, 'brackets, commas and escaped quotes in strings are text');
  t.same(firstExcess(`{"${'k'.repeat(100)}":{"a":1,"b":2,"c":3}}`, b)?.path, `${'k'.repeat(40)}…`, 'a long key is shown cut');
  t.same(firstExcess('{"a":"unterminated', b), null, 'malformed JSON is left to the parser');
  t.same(firstExcess('', b), null);
  t.same(firstExcess(']]]}}}', b), null, 'stray closers do not underflow');
  t.same(firstExcess('{"a":1}', { depth: 0, keys: 0, items: 0 })?.path, 'body', 'the root counts as a level');
});

t.test('bounds come from the body schema, with room for mistakes', async (t) => {
  const body = z.strictObject({
    name: z.string(),
    limits: z.partialRecord(z.enum(['a', 'b', 'c']), z.strictObject({ max: z.int() })),
    titles: z.array(z.string()).max(100),
    pair: z.tuple([z.int(), z.int()]),
  });
  t.same(boundsOfJsonSchema(z.toJSONSchema(body, { io: 'input' }) as object), { depth: 3, keys: 4, items: 100 }, 'the widest shape the schema admits');
  t.same(boundsOf(body), { depth: 4, keys: 24, items: 120 }, 'plus a level, 20 fields and 20 items of slack');
  t.equal(boundsOf(body), boundsOf(body), 'worked out once per schema');
  t.same(boundsOf(undefined), UNDECLARED_BODY, 'a route without a body schema has generous bounds');
  const shared = z.strictObject({ x: z.int() }).meta({ id: 'Shared' });
  t.same(boundsOf(z.strictObject({ one: shared, two: shared.nullable() })), { depth: 3, keys: 22, items: 20 }, 'definitions are followed');

  t.throws(() => boundsOf(z.strictObject({ tags: z.array(z.string()) })), /body\.tags: a list without maxItems/);
  t.throws(() => boundsOf(z.record(z.string(), z.int())), /body: an object without a bound on its fields/);
  t.throws(() => boundsOf(z.object({ a: z.int() }).loose()), /an object without a bound/, 'unknown keys let through are unbounded too');
  type Node = { children: Node[] };
  const node: z.ZodType<Node> = z.lazy(() => z.strictObject({ children: z.array(node).max(2) }));
  t.throws(() => boundsOf(z.strictObject({ root: node.meta({ id: 'Node' }) })), /recursive/);
});
