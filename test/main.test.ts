import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { closeServer, listenOnLoopback } from './parties/loopback-server.ts';
import { baseConfigDocument } from './support/config.ts';
import { REDIS_URL, uniqueMongoUri } from './support/stores.ts';

function runMain(config: Record<string, unknown>) {
  const file = join(tmpdir(), `ib-main-${process.pid}-${Date.now()}.yaml`);
  writeFileSync(file, stringify(config));
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: { ...process.env, BROKER_CONFIG: file, MONGODB_URI: uniqueMongoUri(), REDIS_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

async function freePort(): Promise<number> {
  const { server, url } = await listenOnLoopback();
  await closeServer(server);
  return Number(new URL(url).port);
}

describe('npm start (src/main.ts)', () => {
  it('serves until SIGTERM, then shuts down cleanly', async () => {
    const port = await freePort();
    const run = runMain(baseConfigDocument({ port, issuer: `http://127.0.0.1:${port}` }));
    try {
      let status = 0;
      // Start-up creates every index on the MongoDB-wire server, which takes a while on a busy machine.
      for (const deadline = Date.now() + 45_000; Date.now() < deadline && status !== 200;) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 60_000);

  it('stops with one line per configuration problem, naming the key', async () => {
    const run = runMain(baseConfigDocument({ issuer: 'not a url', linking: { linkTtl: '2d' } }));
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('  issuer: must be a URL\n');
    expect(run.stderr()).toContain('  linking.linkTtl: must be at most 24h\n');
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });
});
