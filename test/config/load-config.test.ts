import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/index.ts';

const EXAMPLE = 'config/broker.example.yaml';
const exampleEnv = {
  COOKIE_KEY: 'k'.repeat(40),
  MSA_CLIENT_SECRET: 'upstream-secret',
  GOOGLE_CLIENT_SECRET: 'google-secret',
  WORKFORCE_CLIENT_SECRET: 'workforce-secret',
  CUSTOMERSOURCE_SECRET: 'portal-secret-0123456789',
  SENDGRID_API_KEY: 'SG.test',
  METRICS_TOKEN: 'metrics-token-0123456789',
};

function exampleDocument(): Record<string, unknown> {
  return parseYaml(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
}

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('loads the documented example with its secrets taken from the environment', () => {
    const config = loadConfig({ ...exampleEnv, BROKER_CONFIG: EXAMPLE });
    expect(config.issuer).toBe('https://login.example.com');
    expect(config.cookieKeys).toEqual([exampleEnv.COOKIE_KEY]);
    expect(config.upstreams[0]?.clientSecret).toBe('upstream-secret');
    expect(config.clients[0]?.requires?.plans).toEqual(['enhancement', 'support']);
    expect(config.linking.linkTtl).toBe(3_600_000);
    expect(Object.isFrozen(config.clients[0])).toBe(true);
  });

  it('lets MONGODB_URI, REDIS_URL, PORT and ISSUER override the file', () => {
    const config = loadConfig({
      ...exampleEnv,
      BROKER_CONFIG: EXAMPLE,
      MONGODB_URI: 'mongodb://db.internal:27017/ib',
      REDIS_URL: 'redis://cache.internal:6380',
      PORT: '8080',
      ISSUER: 'https://sso.example.org',
    });
    expect(config.mongodb.uri).toBe('mongodb://db.internal:27017/ib');
    expect(config.redis.url).toBe('redis://cache.internal:6380');
    expect(config.port).toBe(8080);
    expect(config.issuer).toBe('https://sso.example.org');
  });

  it('names the setting when the file cannot be read', () => {
    expect(problemsOf(() => loadConfig({ BROKER_CONFIG: '/nonexistent/broker.yaml' }))).toEqual([
      'BROKER_CONFIG: cannot read /nonexistent/broker.yaml: file not found',
    ]);
  });

  it('reads JSON as well as YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-config-'));
    const file = join(dir, 'broker.json');
    writeFileSync(file, JSON.stringify(exampleDocument()));
    expect(loadConfig({ ...exampleEnv, BROKER_CONFIG: file }).clients[0]?.clientId).toBe('customersource');
  });
});

describe('parseConfig reports one line per problem naming the key', () => {
  it('a missing key', () => {
    const doc = exampleDocument();
    delete doc.mongodb;
    expect(problemsOf(() => parseConfig(doc, exampleEnv))).toEqual([expect.stringMatching(/^mongodb: /)]);
  });

  it('a bad URL', () => {
    const doc = exampleDocument();
    (doc.upstreams as Array<Record<string, unknown>>)[0]!.issuer = 'not a url';
    expect(problemsOf(() => parseConfig(doc, exampleEnv))).toEqual(['upstreams[0].issuer: must be a URL']);
  });

  it('an http issuer on a public host', () => {
    const doc = exampleDocument();
    (doc.upstreams as Array<Record<string, unknown>>)[0]!.issuer = 'http://idp.example.com';
    expect(problemsOf(() => parseConfig(doc, exampleEnv))).toEqual([
      'upstreams[0].issuer: must be an https URL (http is accepted on loopback hosts only)',
    ]);
  });

  it('an unknown upstream field', () => {
    const doc = exampleDocument();
    (doc.upstreams as Array<Record<string, unknown>>)[0]!.clientSecert = 'typo';
    expect(problemsOf(() => parseConfig(doc, exampleEnv))).toEqual([
      expect.stringMatching(/^upstreams\[0\]: .*clientSecert/),
    ]);
  });

  it('an unset ${VAR}', () => {
    const { SENDGRID_API_KEY: _unset, ...env } = exampleEnv;
    expect(problemsOf(() => parseConfig(exampleDocument(), env))).toEqual([
      'mail.sendgrid.apiKey: environment variable SENDGRID_API_KEY is not set',
    ]);
  });

  it('a link lifetime over 24 hours', () => {
    const doc = exampleDocument();
    (doc.linking as Record<string, unknown>).linkTtl = '25h';
    expect(problemsOf(() => parseConfig(doc, exampleEnv))).toEqual(['linking.linkTtl: must be at most 24h']);
  });

  it('several problems at once, never a secret value', () => {
    const doc = exampleDocument();
    doc.issuer = 'ftp://x';
    (doc.clients as Array<Record<string, unknown>>)[0]!.clientSecret = 'short';
    const problems = problemsOf(() => parseConfig(doc, exampleEnv));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toContain('short');
    expect(problems).toContain('clients[0].clientSecret: must be at least 16 characters');
  });
});
