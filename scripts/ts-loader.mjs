// Runs the tests' TypeScript with esbuild (`node --import ./scripts/ts-loader.mjs`), in place of
// tap's ts-node plugin and of tsx. ts-node loads the TypeScript compiler into every test process,
// 4.3 s of CPU before a test starts against tsx's 1.4 s, and 73 files pay it twice a CI run; tsx
// writes each file on one line, which leaves tap's coverage one line per file. This keeps lines
// and an inline source map, so coverage reads the sources as they are.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
