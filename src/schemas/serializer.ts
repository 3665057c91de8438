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
 * only serialise by validating each value against both branches with ajv (a title's nullable
 * advisory was checked so, date-time formats and all, on every answer); `type: [X's type,
 * 'null']` says the same and is written directly. X may be a named schema (`$ref`): its
 * definition is written in place.
 */
function simplifier(definitions: Record<string, Json>) {
  const resolve = (schema: Json): Json => {
    const ref = schema.$ref;
    return typeof ref === 'string' && ref.startsWith('#/definitions/') ? (definitions[ref.slice('#/definitions/'.length)] ?? schema) : schema;
  };
  const simplify = (node: unknown): unknown => {
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
      const other = nullAt === -1 ? undefined : resolve(anyOf[1 - nullAt]!);
      if (other && typeof other.type === 'string' && other.type !== 'array') {
        delete out.anyOf;
        return { ...out, ...(simplify(other) as Json), type: [other.type, 'null'] };
      }
    }
    // A union of plain types (a reason's limit: a number, a string or null) is a list of types.
    const types = anyOf && plainTypes({ anyOf });
    if (types) {
      delete out.anyOf;
      return { ...out, type: [...new Set(types)] };
    }
    return out;
  };
  return simplify;
}

/** The types a schema that says nothing but its type (or a union of such) allows. */
function plainTypes(schema: Json): string[] | undefined {
  const keys = Object.keys(schema).filter((key) => key !== 'description');
  if (keys.length !== 1) return undefined;
  if (keys[0] === 'type') return [schema.type].flat().every((type) => typeof type === 'string') ? ([schema.type].flat() as string[]) : undefined;
  if (keys[0] !== 'anyOf' || !Array.isArray(schema.anyOf)) return undefined;
  const branches = (schema.anyOf as Json[]).map(plainTypes);
  return branches.every((types) => types !== undefined) ? branches.flat() as string[] : undefined;
}

/** The JSON Schema fast-json-stringify compiles for a zod response schema. */
export function responseJsonSchema(schema: z.ZodType): Schema {
  const jsonSchema = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any' }) as Json;
  return simplifier((jsonSchema.definitions ?? {}) as Record<string, Json>)(jsonSchema) as Schema;
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
