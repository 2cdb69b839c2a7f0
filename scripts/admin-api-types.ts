// Writes the TypeScript types of the admin API, generated from its OpenAPI document by openapi-typescript, to
// test/admin/generated/admin-api.ts: the client the tests drive a support story with (openapi-fetch), as an
// integrator would generate theirs. `npm test` fails when the committed file and the document differ.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { adminApiTypes } from './lib/admin-api-types.ts';

const target = fileURLToPath(new URL('../test/admin/generated/admin-api.ts', import.meta.url));
writeFileSync(target, await adminApiTypes());
console.log(`wrote ${target}`);
