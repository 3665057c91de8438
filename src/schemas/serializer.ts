/**
 * Responses are written by fast-json-stringify from each route's zod response schema, turned
 * into JSON Schema once at start-up. fastify-type-provider-zod's own serializer runs zod over
 * every answer before JSON.stringify: a batch of verdicts or a page of titles spent more time
 * there than in the work. What is written is still only what the schema declares: a property
 * the schema does not name is left out, never leaked.
 */
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import fastJsonStringify, { type Schema } from 'fast-json-stringify';
import { z } from 'zod';

type Json = { [key: string]: unknown };

/**
 * The bounds the document states for what the server stores (maxLength, maxItems) are for
 * clients: fast-json-stringify would check them only inside a union, where it validates each
 * branch, and then a value stored before a bound existed would fail a whole page with a 500.
 */
const CLIENT_BOUNDS = new Set(['maxLength', 'maxItems']);

/**
 * zod writes a nullable value as `anyOf: [X, {type: 'null'}]`, which fast-json-stringify can
 * only serialise by validating each value against both branches; `type: [X's type, 'null']`
 * says the same and is written directly.
 */
function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(CLIENT_BOUNDS.has(k) && typeof v === 'number'))
      .map(([k, v]) => [k, simplify(v)]),
  );
  const anyOf = out.anyOf as Json[] | undefined;
  if (anyOf?.length === 2) {
    const nullAt = anyOf.findIndex((s) => s.type === 'null' && Object.keys(s).length === 1);
    const other = anyOf[1 - nullAt];
    if (nullAt !== -1 && other && typeof other.type === 'string' && other.type !== 'object' && other.type !== 'array') {
      delete out.anyOf;
      return { ...out, ...other, type: [other.type, 'null'] };
    }
  }
  return out;
}

/** The JSON Schema fast-json-stringify compiles for a zod response schema. */
function responseJsonSchema(schema: z.ZodType): Schema {
  return simplify(z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any' })) as Schema;
}

/**
 * Serializers by schema, shared by every app of the process: a serializer depends on its schema
 * alone, and compiling them all was most of what building an app cost (the tests build hundreds).
 */
const serializers = new WeakMap<z.ZodType, ReturnType<typeof fastJsonStringify>>();

export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  let serializer = serializers.get(schema);
  if (!serializer) serializers.set(schema, (serializer = fastJsonStringify(responseJsonSchema(schema))));
  return serializer;
};
