import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

// No Docker engine runs on our development machines; this at least keeps the compose file parseable and wired.
describe('docker-compose.yml', () => {
  const compose = parseYaml(readFileSync('docker-compose.yml', 'utf8')) as {
    services: Record<string, { image?: string; build?: string; environment?: Record<string, string> }>;
  };

  it('runs the broker built from the Dockerfile against real MongoDB 7 and Redis 7', () => {
    expect(compose.services.mongo?.image).toBe('mongo:7');
    expect(compose.services.redis?.image).toBe('redis:7');
    expect(compose.services.broker?.build).toBe('.');
    expect(compose.services.broker?.environment).toMatchObject({
      MONGODB_URI: 'mongodb://mongo:27017/identity-broker',
      REDIS_URL: 'redis://redis:6379',
    });
  });
});
