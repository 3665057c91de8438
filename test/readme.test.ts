/**
 * The README stays true: every link resolves inside the repository, and its JSON examples match
 * the answers the server really gives to the requests the README shows beside them.
 *
 * An example may shorten: a bare `…` in an object stands for keys left out, in a list for items
 * left out, and a string with `…` for the rest of the text (`"tl_…"`, `"Regular swearing, …"`).
 * Everything else must be there, equal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'tap';
import { bearer, birthForAge, build, call } from './helper.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const MORE = '<more>';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

const headingsOf = (markdown: string) => new Set([...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!)));

function linksOf(markdown: string): string[] {
  const outsideCode = markdown.replace(/```[\s\S]*?```/g, '');
  return [...outsideCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

const markdownFiles = ['README.md', 'docs/API.md', 'clients/typescript/README.md'].filter((file) => existsSync(join(ROOT, file)));

for (const file of markdownFiles) {
  test(`every link in ${file} resolves inside the repository`, async (t) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const links = linksOf(text).filter((link) => !/^https?:/.test(link));
    t.ok(links.length > 0 || file !== 'README.md', 'the README links to files and sections');
    for (const link of links) {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? join(ROOT, file) : join(ROOT, dirname(file), path);
      const inside = existsSync(target) && !relative(ROOT, target).startsWith('..');
      t.ok(inside, `${file}: ${path || file} is a file in the repository`);
      if (anchor !== undefined && inside) t.ok(headingsOf(readFileSync(target, 'utf8')).has(anchor), `${file}: #${anchor} is a heading of ${relative(ROOT, target)}`);
    }
  });
}

/** The README's lenient JSON, with `…` outside strings turned into markers JSON can hold. */
function parseExample(text: string): unknown {
  let out = '';
  const open: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === '{' || c === '[') open.push(c);
    if (c === '}' || c === ']') open.pop();
    out += c === '…' ? (open.at(-1) === '{' ? `"${MORE}": true` : `"${MORE}"`) : c;
  }
  return JSON.parse(out);
}

/** Where `example` differs from `real`, as messages naming the path. */
function differences(example: unknown, real: unknown, path = '$'): string[] {
  if (typeof example === 'string' && example.includes('…')) {
    const [head, tail] = example.split('…') as [string, string];
    return typeof real === 'string' && real.startsWith(head) && real.endsWith(tail) ? [] : [`${path}: ${JSON.stringify(real)} is not ${JSON.stringify(example)}`];
  }
  if (Array.isArray(example)) {
    if (!Array.isArray(real)) return [`${path}: ${JSON.stringify(real)} is not a list`];
    const items = example.filter((item) => item !== MORE);
    const problems = items.flatMap((item, i) => differences(item, real[i], `${path}[${i}]`));
    if (items.length === example.length && real.length !== items.length) problems.push(`${path}: ${real.length} items, the example shows ${items.length}`);
    return problems;
  }
  if (example !== null && typeof example === 'object') {
    if (real === null || typeof real !== 'object' || Array.isArray(real)) return [`${path}: ${JSON.stringify(real)} is not an object`];
    const shown = Object.keys(example).filter((key) => key !== MORE);
    const problems = shown.flatMap((key) =>
      key in real ? differences((example as Record<string, unknown>)[key], (real as Record<string, unknown>)[key], `${path}.${key}`) : [`${path}.${key}: not in the answer`],
    );
    if (!(MORE in example)) for (const key of Object.keys(real)) if (!shown.includes(key)) problems.push(`${path}.${key}: in the answer, not in the example`);
    return problems;
  }
  return example === real ? [] : [`${path}: ${JSON.stringify(real)} is not ${JSON.stringify(example)}`];
}

/** The JSON block that follows `marker` in the README. */
function exampleAfter(marker: string): unknown {
  const at = README.indexOf(marker);
  if (at === -1) throw new Error(`the README no longer says ${marker}`);
  const block = /```json\n([\s\S]*?)```/.exec(README.slice(at));
  if (!block) throw new Error(`no JSON example after ${marker}`);
  return parseExample(block[1]!);
}

/** The first URL path of a curl line in the README that contains `fragment`. */
function curlPath(fragment: string): string {
  const line = README.split('\n').find((l) => l.startsWith('curl') && l.includes(fragment));
  const url = line && /localhost:3000(\/[^'"\s]*)/.exec(line);
  if (!url) throw new Error(`no curl line with ${fragment} in the README`);
  return url[1]!;
}

test('the lenient example reader and the comparison catch what they should', async (t) => {
  const example = parseExample('{ "a": "tl_…", "b": [1, …], "c": { "d": 1, … } }');
  t.same(differences(example, { a: 'tl_x', b: [1, 2, 3], c: { d: 1, e: 2 } }), []);
  t.same(differences(example, { a: 'x', b: [2], c: { d: 1 } }), ['$.a: "x" is not "tl_…"', '$.b[0]: 2 is not 1']);
  t.same(differences(parseExample('{ "a": [1] }'), { a: [1, 2], b: 0 }), ['$.a: 2 items, the example shows 1', '$.b: in the answer, not in the example']);
});

test('the README\'s JSON examples are what the server answers', async (t) => {
  const app = await build(t, { GUIDEPOST_DEMO: true });

  const ageVerdict = await call(app, { method: 'GET', url: curlPath('/verdict?age=12') });
  t.equal(ageVerdict.statusCode, 200);
  t.same(differences(exampleAfter('Is "Her" OK at 12?'), ageVerdict.data), [], 'the age verdict of Her at 12');

  // The README's request, with the birth month that makes Maya 12 today, as the example shows.
  const household = await call(app, { method: 'POST', url: '/v1/households', payload: { name: 'The Parks' } });
  const child = JSON.parse(/-d '(\{"nickname":"Maya".*?\})'/.exec(README)![1]!) as Record<string, unknown>;
  const maya = await call(app, { method: 'POST', url: '/v1/children', headers: bearer(household.data.token.token), payload: { ...child, birth: birthForAge(12) } });
  t.equal(maya.statusCode, 201);
  const path = curlPath('$MAYA/verdicts/imdb').replace('$MAYA', maya.data.id);
  const childVerdict = await call(app, { method: 'GET', url: path, headers: bearer(household.data.token.token) });
  t.equal(childVerdict.statusCode, 200);
  t.same(differences(exampleAfter('"Is Her OK for Maya?" answers'), childVerdict.data), [], 'Maya\'s verdict on Her');
});
