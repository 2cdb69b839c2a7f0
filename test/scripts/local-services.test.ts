import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ROOT, mongoAnswers, redisAnswers, servicesDown, servicesUp } from '../../scripts/lib/local-services.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('npm run services (local Redis and MongoDB-wire server)', () => {
  it('starts what does not answer, leaves running services alone on a second run, and stops only what it started', async () => {
    const redisPort = await freePort();
    const mongoPort = await freePort();
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const mongodbUri = `mongodb://127.0.0.1:${mongoPort}`;

    const started = await servicesUp({ redisUrl, mongodbUri });
    try {
      expect(started).toEqual([`redis-${redisPort}`, `mongodb-${mongoPort}`]);
      expect(await redisAnswers(redisUrl)).toBe(true);
      expect(await mongoAnswers(mongodbUri)).toBe(true);

      expect(await servicesUp({ redisUrl, mongodbUri })).toEqual([]);
    } finally {
      await servicesDown(started);
      for (const dir of [`redis-${redisPort}`, `ferretdb-${mongoPort}`, `mongod-${mongoPort}`]) {
        rmSync(join(ROOT, '.data', dir), { recursive: true, force: true });
      }
    }
    expect(await redisAnswers(redisUrl)).toBe(false);
    expect(await mongoAnswers(mongodbUri, 300)).toBe(false);
  }, 240_000);
});
