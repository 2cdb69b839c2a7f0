import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, formatKeyPath } from './config-error.ts';
import { configSchema, type BrokerConfig } from './schema.ts';
import { substituteEnv } from './substitute-env.ts';

export const DEFAULT_CONFIG_PATH = 'config/broker.yaml';

/** Environment variables that override a key of the file (12-factor deployments set these, not the file). */
const ENV_OVERRIDES: ReadonlyArray<[variable: string, apply: (doc: Record<string, unknown>, value: string) => void]> = [
  ['MONGODB_URI', (doc, value) => (doc.mongodb = { ...asRecord(doc.mongodb), uri: value })],
  // Says where Redis is, instead of the file's url or sentinels; REDIS_URL set as well is reported as a conflict.
  [
    'REDIS_CLUSTER_NODES',
    (doc, value) => (doc.redis = { ...withoutTarget(asRecord(doc.redis)), cluster: { nodes: listOf(value) } }),
  ],
  ['REDIS_URL', (doc, value) => (doc.redis = { ...asRecord(doc.redis), url: value })],
  ['PORT', (doc, value) => (doc.port = value)],
  // The standard variable of every OpenTelemetry SDK: set by the platform, it turns tracing on.
  ['OTEL_EXPORTER_OTLP_ENDPOINT', (doc, value) => (doc.tracing = { ...asRecord(doc.tracing), otlpEndpoint: value })],
  ['ISSUER', (doc, value) => (doc.issuer = value)],
];

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function withoutTarget({
  url: _url,
  sentinels: _sentinels,
  name: _name,
  ...rest
}: Record<string, unknown>): Record<string, unknown> {
  return rest;
}

function listOf(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Validates an already-parsed configuration document: `${VAR}` substitution, environment overrides, schema.
 * Throws a ConfigError listing every problem at once, one line per key, so an operator fixes the file in one pass.
 */
export function parseConfig(
  document: unknown,
  env: NodeJS.ProcessEnv,
  source = 'configuration',
): Readonly<BrokerConfig> {
  const substituted = substituteEnv(document, env);
  const doc = { ...asRecord(substituted.value) };
  for (const [variable, apply] of ENV_OVERRIDES) {
    const value = env[variable];
    if (value !== undefined && value !== '') apply(doc, value);
  }
  const result = configSchema.safeParse(doc);
  // A placeholder's own problem says more than the schema's complaint about the empty string left in its place.
  const substitutedKeys = new Set(substituted.problems.map((p) => p.slice(0, p.indexOf(':'))));
  const problems = [
    ...substituted.problems,
    ...(result.success
      ? []
      : result.error.issues
          .map((issue) => `${formatKeyPath(issue.path)}: ${issue.message}`)
          .filter((line) => !substitutedKeys.has(line.slice(0, line.indexOf(':'))))),
  ];
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  return deepFreeze(result.data);
}

/** Reads the configuration file named by `BROKER_CONFIG` (YAML or JSON) and validates it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<BrokerConfig> {
  const path = env.BROKER_CONFIG || DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError(path, [`BROKER_CONFIG: cannot read ${path}: ${reason}`]);
  }
  let document: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both formats.
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(path, [`(file): not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(document, env, path);
}
