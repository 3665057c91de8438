/**
 * The shape of a JSON text, held to bounds before it is parsed. A body of 100,000 unknown keys is
 * under the body limit, yet parsing it, validating it and listing every key it holds blocked the
 * event loop for seconds; a body nested 400,000 deep costs JSON.parse alone some 100 ms. A body
 * schema says how deep its JSON goes, how many fields an object of it may have and how many items
 * a list; one pass over the text, stopping at the first excess, holds the text to those before
 * JSON.parse or validation walk it. Used for request bodies (plugins/json-body.ts) and import lines.
 */
import { z } from 'zod';
import { clip } from '../domain/text.js';

export interface ShapeBounds {
  /** How deep objects and lists nest: `{}` is 1, `{"a":[1]}` is 2. */
  depth: number;
  /** Fields in any one object. */
  keys: number;
  /** Items in any one list. */
  items: number;
}

/** For bodies an operation does not read (it declares none): generous, and still bounded. */
export const UNDECLARED_BODY: ShapeBounds = { depth: 8, keys: 100, items: 100 };

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  enum?: unknown[];
  items?: JsonSchema | boolean;
  prefixItems?: JsonSchema[];
  maxItems?: number;
  maxProperties?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

const NONE: ShapeBounds = { depth: 0, keys: 0, items: 0 };
const widest = (all: ShapeBounds[]): ShapeBounds =>
  all.reduce((a, b) => ({ depth: Math.max(a.depth, b.depth), keys: Math.max(a.keys, b.keys), items: Math.max(a.items, b.items) }), NONE);

/**
 * The widest shape a JSON Schema admits. An object or list it leaves unbounded is a mistake in the
 * schema (a request could be as large as the body limit allows), so it throws at start-up.
 */
export function boundsOfJsonSchema(root: JsonSchema): ShapeBounds {
  const defs = root.$defs ?? {};
  const resolving = new Set<string>();
  const defined = (schema: JsonSchema | undefined) => (schema?.$ref ? defs[schema.$ref.replace('#/$defs/', '')] : schema);
  const walk = (schema: JsonSchema, where: string): ShapeBounds => {
    if (schema.$ref) {
      const name = schema.$ref.replace('#/$defs/', '');
      const target = defs[name];
      // A schema that holds itself could nest without end.
      if (!target || resolving.has(name)) throw new Error(`${where}: ${target ? 'a recursive schema' : `no definition for ${schema.$ref}`}`);
      resolving.add(name);
      const bounds = walk(target, where);
      resolving.delete(name);
      return bounds;
    }
    const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])].map((s) => walk(s, where));
    const types = [schema.type ?? []].flat();
    if (types.includes('object') || schema.properties) {
      const named = Object.entries(schema.properties ?? {});
      const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      const keys = schema.maxProperties ?? (extra || schema.additionalProperties !== false ? defined(schema.propertyNames)?.enum?.length : 0);
      if (keys === undefined) throw new Error(`${where}: an object without a bound on its fields (give its keys an enum, or maxProperties)`);
      const inner = widest([...named.map(([name, s]) => walk(s, `${where}.${name}`)), ...(extra ? [walk(extra, `${where}.*`)] : [])]);
      nested.push({ depth: inner.depth + 1, keys: Math.max(inner.keys, named.length + keys), items: inner.items });
    }
    if (types.includes('array') || schema.items !== undefined || schema.prefixItems) {
      const items = schema.maxItems ?? (schema.items === undefined || schema.items === false ? schema.prefixItems?.length : undefined);
      if (items === undefined) throw new Error(`${where}: a list without maxItems`);
      const members = [...(schema.prefixItems ?? []), ...(typeof schema.items === 'object' ? [schema.items] : [])];
      const inner = widest(members.map((s) => walk(s, `${where}[]`)));
      nested.push({ depth: inner.depth + 1, keys: inner.keys, items: Math.max(inner.items, items) });
    }
    return widest(nested);
  };
  return walk(root, 'body');
}

const boundsBySchema = new WeakMap<object, ShapeBounds>();

/**
 * Room for mistakes past what the schema admits, so that a few stray fields, or a value of the
 * wrong kind, are still named one by one by validation (an answer lists 20 errors at most).
 */
const SLACK: ShapeBounds = { depth: 1, keys: 20, items: 20 };

/** The bounds of a route's body schema (a zod schema) with SLACK, worked out once per schema. */
export function boundsOf(body: unknown): ShapeBounds {
  if (!(body instanceof z.ZodType)) return UNDECLARED_BODY;
  let bounds = boundsBySchema.get(body);
  if (!bounds) {
    const widest = boundsOfJsonSchema(z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
    bounds = { depth: widest.depth + SLACK.depth, keys: widest.keys + SLACK.keys, items: widest.items + SLACK.items };
    boundsBySchema.set(body, bounds);
  }
  return bounds;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const KEY_SHOWN = 40;

/**
 * The first place where the JSON text exceeds the bounds, named as a validation error names a
 * field, or null. It reads the structure only (strings are skipped whole), so malformed JSON is
 * left for the parser to refuse.
 */
export function firstExcess(text: string, bounds: ShapeBounds, root = 'body'): { path: string; message: string } | null {
  // Per open container, by depth: object or list, commas seen, where its current key is.
  const isObject: boolean[] = [];
  const commas: number[] = [];
  const keyAt: number[] = [];
  const keyEnd: number[] = [];
  let depth = 0;
  let expectKey = false;

  /** The path of the container open at `depth`. */
  const pathTo = (to: number) => {
    const parts: string[] = [];
    for (let level = 1; level < to; level++) {
      if (!isObject[level]) parts.push(String(commas[level]));
      else if (keyAt[level]! >= 0) parts.push(clip(text.slice(keyAt[level], keyEnd[level]), KEY_SHOWN + 1));
    }
    return parts.join('.') || root;
  };

  const tooMany = (at: number) =>
    isObject[at]
      ? { path: pathTo(at), message: `has more than ${count(bounds.keys, 'field')}, more than the schema allows anywhere` }
      : { path: pathTo(at), message: `has more than ${count(bounds.items, 'item')}, more than the schema allows anywhere` };

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end === -1) return null;
        let slash = end - 1;
        while (slash > i && text.charCodeAt(slash) === BACKSLASH) slash--;
        if ((end - 1 - slash) % 2 === 0) break;
      }
      if (expectKey) {
        keyAt[depth] = i + 1;
        keyEnd[depth] = end;
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > bounds.depth) return { path: pathTo(depth), message: `is nested more than ${bounds.depth} deep, deeper than the schema allows anywhere` };
      isObject[depth] = c === 0x7b;
      commas[depth] = 0;
      keyAt[depth] = -1;
      expectKey = c === 0x7b;
      // Commas count members from the second on; where none at all is allowed, look for the first.
      if ((c === 0x7b ? bounds.keys : bounds.items) === 0) {
        let next = i + 1;
        while (next < text.length && /\s/.test(text[next]!)) next++;
        if (next < text.length && text[next] !== '}' && text[next] !== ']') return tooMany(depth);
      }
    } else if (c === 0x7d || c === 0x5d) {
      if (depth > 0) depth--;
      expectKey = false;
    } else if (c === 0x2c && depth > 0) {
      const members = ++commas[depth]! + 1;
      if (members > (isObject[depth] ? bounds.keys : bounds.items)) return tooMany(depth);
      expectKey = isObject[depth]!;
    }
  }
  return null;
}

