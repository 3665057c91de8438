#!/usr/bin/env node
// The layers of src/, held by `npm run lint` (see the README's architecture section): no import
// cycle anywhere, and each layer imports only from the layers below it. Reads the relative
// imports of every module (type-only ones too: a cycle of types is still a tangle to read).
// And the typed client's package (clients/typescript/) stays a package of its own: it knows the
// API through the OpenAPI document alone, so no module of it reaches out of its folder.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', 'src');
const CLIENT = resolve(import.meta.dirname, '..', 'clients', 'typescript');

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

const typescriptFiles = (dir) =>
  readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.ts') && !f.split('/').includes('node_modules') && !f.startsWith('dist/'))
    .map((f) => join(dir, f));
/** The modules a file imports by a relative path, resolved to the .ts files they are. */
const relativeImports = (file) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));

const files = typescriptFiles(ROOT);
const imports = new Map(files.map((file) => [file, relativeImports(file).filter((t) => files.includes(t))]));

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

for (const file of typescriptFiles(CLIENT)) {
  for (const target of relativeImports(file)) {
    if (relative(CLIENT, target).startsWith('..'))
      problems.push(`clients/typescript/${relative(CLIENT, file)} imports ${relative(resolve(CLIENT, '../..'), target)}: the client knows the API through openapi/openapi.json alone`);
  }
}

for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
