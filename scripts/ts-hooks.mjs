// The module hooks scripts/ts-loader.mjs registers: a relative `./x.js` that does not exist is
// the `./x.ts` beside it (as TypeScript's NodeNext resolution reads it), and a `.ts` file outside
// node_modules is compiled by esbuild, types stripped, imports kept as written.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const OPTIONS = {
  loader: 'ts',
  format: 'esm',
  target: 'esnext',
  sourcemap: 'inline',
  tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
};

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const relative = specifier.startsWith('.') || specifier.startsWith('file:');
    // A query stays on: tap's mocks tell their copies of a module apart by one (`x.js?tapmock=…`).
    const ts = specifier.replace(/\.js(?=[?#]|$)/, '.ts');
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !relative || ts === specifier) throw err;
    return next(ts, context);
  }
}

export async function load(url, context, next) {
  const file = url.replace(/[?#].*$/, '');
  if (!file.startsWith('file:') || !file.endsWith('.ts') || file.includes('/node_modules/')) return next(url, context);
  const path = fileURLToPath(file);
  const { code } = await transform(await readFile(path, 'utf8'), { ...OPTIONS, sourcefile: path });
  return { format: 'module', source: code, shortCircuit: true };
}
