/** Writes the OpenAPI document the routes generate to openapi/openapi.json (npm run openapi). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { testConfig } from '../test/backend.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));

export async function generateOpenApi(): Promise<string> {
  const app = await buildApp(testConfig());
  await app.ready();
  const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return document;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, await generateOpenApi());
  console.error(`wrote ${OPENAPI_FILE}`);
}
