#!/usr/bin/env node
// The layers of src/, held by `npm run lint` (see the README's architecture section): no import
// cycle anywhere, and each layer imports only from the layers below it. Reads the relative
// imports of every module (type-only ones too: a cycle of types is still a tangle to read).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', 'src');

/** What each top folder of src/ may import from (besides itself); absent: anything. */
const MAY_IMPORT = {
  domain: [],
  db: [],
  store: ['domain', 'db'],
  catalogue: ['domain', 'store', 'schemas'],
  // Services take the parsed request's types (TitleFilterQuery) from the contracts, nothing else.
  services: ['domain', 'store', 'catalogue', 'schemas', 'config.ts'],
  schemas: ['domain'],
};

const files = readdirSync(ROOT, { recursive: true })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(ROOT, f));
const imports = new Map(
  files.map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
    return [file, targets.filter((t) => files.includes(t))];
  }),
);

const layer = (file) => relative(ROOT, file).split('/')[0];
/** A module that registers routes (the rest of src/routes/ are helpers routes share). */
const isRouteFile = (file) => layer(file) === 'routes' && /\bapp\.(get|post|put|patch|delete|route)\(/.test(readFileSync(file, 'utf8'));
const problems = [];

for (const [file, targets] of imports) {
  const from = layer(file);
  for (const target of targets) {
    const to = layer(target);
    if (isRouteFile(file) && isRouteFile(target))
      problems.push(`${relative(ROOT, file)} imports another route file, ${relative(ROOT, target)}: shared HTTP helpers belong in a module of their own`);
    const allowed = MAY_IMPORT[from];
    if (allowed && to !== from && !allowed.includes(to)) problems.push(`${relative(ROOT, file)} (${from}) imports ${relative(ROOT, target)} (${to}), a layer above it`);
  }
}

// Cycles: a depth-first walk, reporting each cycle once by its smallest member.
const state = new Map();
const seen = new Set();
function walk(file, path) {
  state.set(file, 'open');
  path.push(file);
  for (const target of imports.get(file)) {
    if (state.get(target) === 'open') {
      const cycle = path.slice(path.indexOf(target)).map((f) => relative(ROOT, f));
      const key = [...cycle].sort().join(' ');
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(`import cycle: ${[...cycle, cycle[0]].join(' → ')}`);
      }
    } else if (!state.has(target)) walk(target, path);
  }
  path.pop();
  state.set(file, 'done');
}
for (const file of files) if (!state.has(file)) walk(file, []);

for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
