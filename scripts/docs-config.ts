// npm run docs:config: writes docs/configuration.md from the configuration schema (src/config/schema.ts).
// `--check` writes nothing and exits 1 when the file differs from what would be written.
import { readFileSync, writeFileSync } from 'node:fs';
import { configurationReference, REFERENCE_FILE } from './docs-config/configuration-reference.ts';

const generated = configurationReference();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(REFERENCE_FILE, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (current !== generated) {
    console.error(`${REFERENCE_FILE} is stale: run npm run docs:config`);
    process.exit(1);
  }
  console.log(`${REFERENCE_FILE} is current`);
} else {
  writeFileSync(REFERENCE_FILE, generated);
  console.log(`wrote ${REFERENCE_FILE}`);
}
