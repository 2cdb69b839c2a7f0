import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VIEWS_DIR } from '../../src/broker.ts';
import { loadTranslator, type Translator } from '../../src/i18n/translator.ts';

/** A key file path of its own per call, created by the broker at first start. */
export function temporaryKeyFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'ib-keys-')), 'jwks.json');
}

/** A minimal valid configuration document for tests; parseConfig applies MONGODB_URI/REDIS_URL from the env given. */
export function baseConfigDocument(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    keys: { file: temporaryKeyFile(), generateIfMissing: true },
    issuer: 'http://127.0.0.1:3000',
    mongodb: { uri: 'mongodb://127.0.0.1:27017/ib' },
    redis: { url: 'redis://127.0.0.1:6379' },
    cookieKeys: ['test-cookie-key-0123456789abcdef0123'],
    upstreams: [
      { id: 'demo', name: 'Demo ID', issuer: 'http://127.0.0.1:3001', clientId: 'broker', clientSecret: 's' },
    ],
    clients: [
      {
        clientId: 'portal',
        clientSecret: 'portal-secret-0123456789',
        name: 'Portal',
        redirectUris: ['http://127.0.0.1:3002/callback'],
      },
    ],
    mail: { from: { email: 'accounts@example.com', name: 'Accounts' }, support: 'help@example.com', transport: 'dev' },
    logLevel: 'silent',
    ...overrides,
  };
}

/** The broker's own message catalogues, as the broker loads them. */
export function brokerTranslator(): Translator {
  return loadTranslator(join(VIEWS_DIR, 'locales'));
}
