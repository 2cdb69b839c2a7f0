import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { connectMongo } from '../../src/store/mongo.ts';
import { createDemoUpstream } from '../parties/demo-upstream.ts';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';
import { seedLinkedAccount } from '../parties/seed-linked-account.ts';
import { TestBrowser } from '../support/browser.ts';
import { freeLoopbackPort } from '../support/child-processes.ts';
import { baseConfigDocument } from '../support/config.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { TEST_CLIENTS, UPSTREAM_CLIENT, demoUser } from '../support/stack.ts';
import { REDIS_URL, silentLogger, uniqueMongoUri } from '../support/stores.ts';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string } }>;
}

const SERVER = 2;
const CLIENT = 3;

/** A collector on loopback: what the broker exports over OTLP/HTTP (JSON), span by span. */
async function otlpReceiver(): Promise<{ url: string; spans: ExportedSpan[]; server: Server }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const parsed = JSON.parse(body || '{}') as {
        resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: ExportedSpan[] }> }>;
      };
      for (const resource of parsed.resourceSpans ?? [])
        for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

const attribute = (span: ExportedSpan, ...keys: string[]) =>
  span.attributes.find((a) => keys.includes(a.key))?.value.stringValue ?? '';

// `npm start` with tracing on, as production runs it: the maintained instrumentations patch modules through Node's
// loader hooks, which jest's own module runtime bypasses, so the broker runs in a process of its own and the test
// plays the OpenTelemetry collector.
describe('OpenTelemetry traces of one sign-in (tracing/start-tracing.ts)', () => {
  it('exports a tree: the upstream callback request, its token call upstream with traceparent, its Redis and MongoDB round trips', async () => {
    const collector = await otlpReceiver();
    const upstreamServer = await listenOnLoopback();
    const port = await freeLoopbackPort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    const upstream = await createDemoUpstream({
      issuer: upstreamServer.url,
      clients: [{ ...UPSTREAM_CLIENT, redirectUris: [`${brokerUrl}/upstream/demo/callback`] }],
    });
    const traceparents: string[] = [];
    upstreamServer.server.on('request', (request, response) => {
      if (request.url?.startsWith('/token')) traceparents.push(String(request.headers.traceparent ?? ''));
      upstream.callback(request, response);
    });
    const mongoUri = uniqueMongoUri();
    const db = await connectMongo(mongoUri, { logger: silentLogger });
    const alice = demoUser('alice');
    await seedLinkedAccount(db, {
      upstreamId: 'demo',
      issuer: upstreamServer.url,
      subject: alice.sub,
      name: 'Alice Ltd',
      email: 'billing@alice.example',
      plans: [],
    });
    const file = join(tmpdir(), `ib-tracing-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      file,
      stringify(
        baseConfigDocument({
          port,
          issuer: brokerUrl,
          logLevel: 'info',
          upstreams: [{ id: 'demo', name: 'Demo ID', issuer: upstreamServer.url, ...UPSTREAM_CLIENT }],
          clients: TEST_CLIENTS,
          redis: { url: REDIS_URL, keyPrefix: `ibtest:${randomBytes(6).toString('hex')}:` },
          tracing: { otlpEndpoint: collector.url },
        }),
      ),
    );
    const child = spawn(process.execPath, ['src/main.ts'], {
      env: { ...process.env, BROKER_CONFIG: file, MONGODB_URI: mongoUri, REDIS_URL, OTEL_EXPORTER_OTLP_ENDPOINT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        if (
          await fetch(`${brokerUrl}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const portal = await TestPortal.discover({ brokerUrl });
      const { attempt, callback } = await signIn(new TestBrowser(), portal, alice);
      expect((await portal.exchange(callback.url, attempt)).claims()?.sub).toBeDefined();
      // Stopping flushes the spans still batched.
      child.kill('SIGTERM');
      expect({ code: await exited, stderr }).toEqual({ code: 0, stderr: '' });

      const spans = collector.spans;
      const children = (parent: ExportedSpan) =>
        spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId);
      const below = (parent: ExportedSpan): ExportedSpan[] =>
        children(parent).flatMap((child) => [child, ...below(child)]);
      const served = spans.filter((s) => s.kind === SERVER);
      const path = (span: ExportedSpan) => attribute(span, 'http.target', 'url.path').split('?')[0];
      const callbackSpan = served.find((s) => path(s) === '/upstream/demo/callback');
      expect(served.map(path)).toEqual(expect.arrayContaining(['/auth', '/upstream/demo/callback', '/token']));
      if (!callbackSpan) throw new Error('no span for the upstream callback');

      // Under the callback request: the server-to-server code exchange with the upstream, Redis and MongoDB.
      const inside = below(callbackSpan);
      const tokenCall = inside.find(
        (s) => s.kind === CLIENT && attribute(s, 'url.full', 'http.url').startsWith(`${upstreamServer.url}/token`),
      );
      expect(tokenCall).toBeDefined();
      expect(inside.some((s) => attribute(s, 'db.system', 'db.system.name') === 'redis')).toBe(true);
      expect(inside.some((s) => attribute(s, 'db.system', 'db.system.name') === 'mongodb')).toBe(true);
      // The upstream was told which trace its token request belongs to (W3C trace context).
      expect(traceparents).toContainEqual(
        expect.stringMatching(new RegExp(`^00-${callbackSpan.traceId}-[0-9a-f]{16}-0[01]$`)),
      );

      // The broker's log lines of the sign-in's requests carry their trace ids (probes are not traced).
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { trace_id?: string; reqId?: string; path?: string });
      const ofRequests = lines.filter(
        (line) => line.reqId !== undefined && !/^\/(healthz|readyz|metrics)/.test(line.path ?? ''),
      );
      expect(ofRequests.length).toBeGreaterThan(0);
      expect(ofRequests.filter((line) => !line.trace_id)).toEqual([]);
      expect(ofRequests.map((line) => line.trace_id)).toContain(callbackSpan.traceId);
    } finally {
      child.kill('SIGKILL');
      await Promise.all([closeServer(upstreamServer.server), closeServer(collector.server)]);
      await db.dropDatabase().catch(() => undefined);
      await db.close();
    }
  }, 120_000);
});
