import { isLoopbackUrl } from '../../src/config/loopback.ts';
import { parseConfig } from '../../src/config/index.ts';
import { baseConfigDocument } from '../support/config.ts';

describe('loopback URLs, the only place plain http is accepted', () => {
  it('are this machine by name or address, including any *.localhost name', () => {
    for (const url of ['http://127.0.0.1:3000', 'http://localhost/', 'http://[::1]:8080', 'http://id.localhost:4000']) {
      expect([url, isLoopbackUrl(new URL(url))]).toEqual([url, true]);
    }
    for (const url of ['http://127.0.0.2.example', 'http://localhost.example.com', 'http://10.0.0.1']) {
      expect([url, isLoopbackUrl(new URL(url))]).toEqual([url, false]);
    }
  });

  it('are what the configuration accepts for an http issuer, and nothing else', () => {
    const env = { MONGODB_URI: 'mongodb://127.0.0.1:27017/ib', REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(() => parseConfig(baseConfigDocument({ issuer: 'http://broker.localhost:3000' }), env)).not.toThrow();
    expect(() => parseConfig(baseConfigDocument({ issuer: 'http://broker.example.com' }), env)).toThrow(
      /issuer: must be an https URL/,
    );
  });
});
