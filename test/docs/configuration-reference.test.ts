import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadConfig, parseConfig } from '../../src/config/index.ts';
import { configSchema } from '../../src/config/schema.ts';
import { configurationReference, REFERENCE_FILE } from '../../scripts/docs-config/configuration-reference.ts';
import { ENVIRONMENT_OVERRIDES } from '../../scripts/docs-config/environment-overrides.ts';
import { exampleKeyPaths } from '../../scripts/docs-config/example-keys.ts';
import { schemaKeys } from '../../scripts/docs-config/schema-keys.ts';

const EXAMPLE = 'config/broker.example.yaml';
// The secrets the example takes from the environment (`${VAR}`), as an operator would export them.
const exampleEnv = {
  COOKIE_KEY: 'k'.repeat(40),
  MSA_CLIENT_SECRET: 'msa-secret',
  GOOGLE_CLIENT_SECRET: 'google-secret',
  WORKFORCE_CLIENT_SECRET: 'workforce-secret',
  CUSTOMERSOURCE_SECRET: 'portal-secret-0123456789',
  SENDGRID_API_KEY: 'SG.test',
};

describe('the configuration reference (docs/configuration.md)', () => {
  it('is what npm run docs:config writes from the schema as it is now', () => {
    const current = readFileSync(REFERENCE_FILE, 'utf8');
    // On failure: run `npm run docs:config` and commit docs/configuration.md with the schema change.
    expect(current).toBe(configurationReference());
  });

  it('describes every key of the schema', () => {
    const undescribed = schemaKeys(configSchema)
      .filter((key) => !key.description)
      .map((key) => key.path);
    expect(undescribed).toEqual([]);
  });
});

describe('config/broker.example.yaml', () => {
  it("loads with the broker's own configuration loader", () => {
    const config = loadConfig({ ...exampleEnv, BROKER_CONFIG: EXAMPLE });
    expect(config.issuer).toBe('https://login.example.com');
  });

  it('shows every schema key that is not marked advanced, set or commented out', () => {
    const inExample = exampleKeyPaths(readFileSync(EXAMPLE, 'utf8'));
    const missing = schemaKeys(configSchema)
      .filter((key) => !key.advanced && !inExample.has(key.path))
      .map((key) => key.path);
    // On failure: add the key to the example (commented out if it needs a secret), or mark it
    // `.meta({ advanced: true })` in src/config/schema.ts.
    expect(missing).toEqual([]);
  });
});

describe('the environment variables of the reference', () => {
  it('are the ones the loader applies', () => {
    const loader = readFileSync('src/config/load-config.ts', 'utf8');
    const block = loader.slice(
      loader.indexOf('const ENV_OVERRIDES'),
      loader.indexOf('];', loader.indexOf('const ENV_OVERRIDES')),
    );
    const named = [...block.matchAll(/\[\s*'([A-Z_]+)'/g)].map((match) => match[1]).sort();
    expect(named).toEqual(Object.values(ENVIRONMENT_OVERRIDES).sort());
  });

  it.each(Object.entries(ENVIRONMENT_OVERRIDES))('%s is replaced by %s', (path, variable) => {
    const document = parseYaml(readFileSync(EXAMPLE, 'utf8')) as unknown;
    const values: Record<string, string> = {
      ISSUER: 'https://sso.example.org',
      PORT: '4321',
      MONGODB_URI: 'mongodb://db.example.org:27017/other',
      REDIS_URL: 'redis://cache.example.org:6380',
      REDIS_CLUSTER_NODES: 'node-a.example.org:7000,node-b.example.org:7001',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.example.org:4318',
    };
    const value = values[variable];
    expect(value).toBeDefined();
    const config = parseConfig(document, { ...exampleEnv, [variable]: value }) as unknown as Record<string, unknown>;
    const read = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
    expect(String(read)).toBe(value);
  });
});
