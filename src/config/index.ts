export { loadConfig, parseConfig, DEFAULT_CONFIG_PATH } from './load-config.ts';
export { ConfigError } from './config-error.ts';
export type { BrokerConfig, UpstreamConfig, ClientConfig, AdminClientConfig, WebhookConfig } from './schema.ts';
