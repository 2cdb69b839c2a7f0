import { configSchema } from '../../src/config/schema.ts';
import { renderReference } from './render-reference.ts';
import { schemaKeys } from './schema-keys.ts';

export const REFERENCE_FILE = 'docs/configuration.md';

/** The text docs/configuration.md must hold for the schema as it is now. */
export function configurationReference(): string {
  return renderReference(schemaKeys(configSchema));
}
