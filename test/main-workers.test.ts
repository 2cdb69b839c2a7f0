import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Outbox } from '../src/mail/outbox.ts';
import { connectMongo } from '../src/store/mongo.ts';
import { closeRedis, connectRedis } from '../src/store/redis.ts';
import { childrenOf, freeLoopbackPort as freePort } from './support/child-processes.ts';
import { baseConfigDocument } from './support/config.ts';
import { startSendGridSink } from './support/sendgrid-sink.ts';
import { REDIS_URL, silentLogger, uniqueMongoUri } from './support/stores.ts';

const API_KEY = 'SG.workers-test-key-0123456789';
const COOKIE_KEY = 'workers-test-cookie-key-0123456789abcdef';
const MESSAGES = 20;

const recipientOf = (body: unknown): string =>
  (body as { personalizations: { to: { email: string }[] }[] }).personalizations[0]?.to[0]?.email ?? '';

describe('npm start with workers: 2 (src/main.ts)', () => {
  it('runs two broker processes that share the stores, sends each queued e-mail once, hears change notices in each, and stops both on SIGTERM', async () => {
    const sink = await startSendGridSink({ apiKey: API_KEY });
    const mongoUri = uniqueMongoUri();
    const db = await connectMongo(mongoUri, { logger: silentLogger });
    const port = await freePort();
    const keyPrefix = `ibtest:workers-${randomBytes(4).toString('hex')}:`;
    const redis = await connectRedis(REDIS_URL, { logger: silentLogger });
    // Each process's subscription to the people directory's change notices (accounts/directory-changes.ts).
    const listeners = async () =>
      String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
        .split('\n')
        .filter((line) => line.includes(`name=${keyPrefix}directory-changes`)).length;
    const file = join(tmpdir(), `ib-workers-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      file,
      stringify(
        baseConfigDocument({
          port,
          issuer: `http://127.0.0.1:${port}`,
          workers: 2,
          redis: { url: REDIS_URL, keyPrefix },
          cookieKeys: [COOKIE_KEY],
          mail: {
            from: { email: 'accounts@example.com', name: 'Accounts' },
            support: 'help@example.com',
            transport: 'sendgrid',
            sendgrid: { apiKey: API_KEY, baseUrl: sink.url },
            pollInterval: '1s',
          },
        }),
      ),
    );
    // Queued before the processes start, so that both workers' outbox pollers find them due at once.
    const outbox = new Outbox(db, { sealingKeys: [COOKIE_KEY] });
    const addresses = Array.from({ length: MESSAGES }, (_, i) => `person${i}@example.net`);
    for (const to of addresses) {
      await outbox.enqueue({
        to,
        template: 'association-link',
        secret: { link: 'https://broker.example/link?token=tok_Zx9YwVuT8sRqPoNmLkJiHgFeDcBa76543210abcd' },
        data: {
          upstreamName: 'Google',
          signInName: to,
          accountName: 'Carol & Co',
          expiresInMinutes: 60,
          support: 'help@broker.example',
        },
      });
    }
    const child = spawn(process.execPath, ['src/main.ts'], {
      env: { ...process.env, BROKER_CONFIG: file, MONGODB_URI: mongoUri, REDIS_URL },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let workers: number[] = [];
      // Start-up creates every index on the MongoDB-wire server, which takes a while on a busy machine.
      for (const deadline = Date.now() + 60_000; Date.now() < deadline && workers.length < 2;) {
        const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        workers = up ? childrenOf(child.pid ?? 0) : [];
        if (workers.length < 2) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect({ workers: workers.length, stderr }).toEqual({ workers: 2, stderr: '' });
      // An unlink in one process clears the caches of both: each worker listens on its own connection (the second
      // may still be starting when the first answers).
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && (await listeners()) < 2;) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await redis.publish(`${keyPrefix}people-directory-changed`, '1')).toBe(2);

      await sink.waitFor(MESSAGES, 30_000);
      // Three more polls of both workers: a message sent twice would show up by then.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(sink.requests).toBe(MESSAGES);
      expect(sink.received.map(recipientOf).sort()).toEqual([...addresses].sort());
      expect((await outbox.recent(100)).map((m) => [m.status, m.attempts])).toEqual(addresses.map(() => ['sent', 1]));

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(workers.filter((pid) => readdirSync('/proc').includes(String(pid)))).toEqual([]);
      expect(await listeners()).toBe(0);
    } finally {
      child.kill('SIGKILL');
      for (const pid of childrenOf(child.pid ?? 0)) process.kill(pid, 'SIGKILL');
      await db.dropDatabase().catch(() => undefined);
      await db.close();
      await sink.close();
      await closeRedis(redis);
    }
  }, 120_000);
});
