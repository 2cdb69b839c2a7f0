import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { childrenOf, freeLoopbackPort } from './support/child-processes.ts';
import { baseConfigDocument } from './support/config.ts';
import { REDIS_URL, uniqueMongoUri } from './support/stores.ts';

const REQUESTS = 40;

/** The value of one series in a Prometheus exposition, or undefined. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics with workers: 2 (metrics/worker-metrics.ts)', () => {
  it('adds up the requests both processes served, and keeps heap and event loop lag per worker', async () => {
    const [port, managementPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const file = join(tmpdir(), `ib-workers-metrics-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      file,
      stringify(
        baseConfigDocument({
          port,
          issuer: `http://127.0.0.1:${port}`,
          workers: 2,
          management: { port: managementPort },
          redis: { url: REDIS_URL, keyPrefix: `ibtest:metrics-${randomBytes(4).toString('hex')}:` },
        }),
      ),
    );
    const mongoUri = uniqueMongoUri();
    const child = spawn(process.execPath, ['src/main.ts'], {
      env: { ...process.env, BROKER_CONFIG: file, MONGODB_URI: mongoUri, REDIS_URL },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const scrape = () =>
      fetch(`http://127.0.0.1:${managementPort}/metrics`, { headers: { connection: 'close' } }).then((r) => r.text());
    try {
      // Both workers must be listening before the requests, or the first would take them all.
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        const text = await scrape().catch(() => '');
        if (new Set(text.match(/worker="\d+"/g) ?? []).size === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect({ workers: childrenOf(child.pid ?? 0).length, stderr }).toEqual({ workers: 2, stderr: '' });

      // A connection each: node:cluster hands connections to the workers in turn.
      for (let i = 0; i < REQUESTS; i += 1) {
        const response = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, {
          headers: { connection: 'close' },
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }

      const series =
        'broker_http_request_duration_seconds_count{method="GET",route="/.well-known/openid-configuration",status="200"}';
      // Whichever worker takes the scrape, the figure is both workers' sum.
      for (let i = 0; i < 4; i += 1) expect(sample(await scrape(), series)).toBe(REQUESTS);
      const text = await scrape();
      const workers = [
        ...new Set([...text.matchAll(/^broker_nodejs_heap_size_used_bytes\{worker="(\d+)"\}/gm)].map((m) => m[1])),
      ];
      expect(workers).toHaveLength(2);
      expect(text).toMatch(/^broker_nodejs_eventloop_lag_p99_seconds\{worker="\d+"\} /m);
      // Per-process figures are never summed into a series without the label.
      expect(text).not.toMatch(/^broker_nodejs_heap_size_used_bytes /m);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      for (const pid of childrenOf(child.pid ?? 0)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});
