import { silentLogger } from '../support/stores.ts';
import { createBroker } from '../../src/broker.ts';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { startStack, type Stack } from '../support/stack.ts';
import { rawRequest } from './support/raw-http.ts';

const FIVE_MB = Buffer.alloc(5 * 1024 * 1024, 'a');

describe('request bodies over the limit', () => {
  let stack: Stack;
  let host: string;
  beforeAll(async () => {
    stack = await startStack();
    host = new URL(stack.brokerUrl).host;
  });
  afterAll(() => stack.close());

  const form = () => ({ host, 'content-type': 'application/x-www-form-urlencoded' });

  it('are refused with 413 and a page on /link/confirm, for browsers', async () => {
    const response = await rawRequest(stack.brokerUrl, '/link/confirm', {
      method: 'POST',
      headers: form(),
      body: FIVE_MB,
    });
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('larger than this service accepts');
  });

  it("are refused with 413 and JSON for programs, on oidc-provider's token endpoint too", async () => {
    const response = await rawRequest(stack.brokerUrl, '/token', {
      method: 'POST',
      headers: { ...form(), accept: 'application/json' },
      body: FIVE_MB,
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('are refused with 413 when sent without a length (chunked)', async () => {
    const response = await rawRequest(stack.brokerUrl, '/link/confirm', {
      method: 'POST',
      headers: { ...form(), 'transfer-encoding': 'chunked' },
      body: FIVE_MB,
    });
    expect(response.status).toBe(413);
  });
});

describe('/metrics and the management listener', () => {
  let stack: Stack;
  let management: Server;
  let managementUrl: string;
  beforeAll(async () => {
    stack = await startStack();
    management = createServer(stack.broker.managementApp.callback());
    await new Promise<void>((resolve) => management.listen(0, '127.0.0.1', resolve));
    managementUrl = `http://127.0.0.1:${(management.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    management.close();
    await stack.close();
  });

  it('does not serve /metrics on the public listener unless a bearer token is configured', async () => {
    const response = await fetch(`${stack.brokerUrl}/metrics`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('broker_');
  });

  it('serves /metrics, /healthz and /readyz on the management listener', async () => {
    const metrics = await fetch(`${managementUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('broker_process_cpu_user_seconds_total');
    expect((await fetch(`${managementUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${managementUrl}/readyz`)).json()).toMatchObject({ status: 'ready' });
  });

  it('listens on management.port when the broker is started', async () => {
    const broker = await createBroker(stack.config, silentLogger);
    try {
      const { management } = await broker.start({
        port: 0,
        host: '127.0.0.1',
        management: { port: 0, host: '127.0.0.1' },
      });
      const response = await fetch(`http://127.0.0.1:${(management?.address() as AddressInfo).port}/healthz`);
      expect(response.status).toBe(200);
    } finally {
      await broker.stop();
    }
  });
});
