/**
 * The environment variables that replace a key of the file (src/config/load-config.ts, ENV_OVERRIDES). The docs
 * test sets each one and reads the key back through the real loader, and compares this list with the variables that
 * module names, so a new override cannot go undocumented.
 */
export const ENVIRONMENT_OVERRIDES: Readonly<Record<string, string>> = {
  issuer: 'ISSUER',
  port: 'PORT',
  'mongodb.uri': 'MONGODB_URI',
  'redis.url': 'REDIS_URL',
  'redis.cluster.nodes': 'REDIS_CLUSTER_NODES',
  'tracing.otlpEndpoint': 'OTEL_EXPORTER_OTLP_ENDPOINT',
};
