import type { BrokerParts } from '../../src/broker.ts';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';
import { TestBrowser, headingOf, textContent } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { memoryLog, type MemoryLog } from './support/memory-log.ts';
import { ownFerretDb, ownRedis, waitFor, type OwnService } from './support/own-services.ts';

const UNAVAILABLE = 'Temporarily unavailable';

/** Error-level log lines (pino level 50) that name a cause. */
function errorsLogged(log: MemoryLog): string[] {
  return log
    .entries()
    .filter((e) => e.level === 50)
    .map((e) => `${String(e.msg)} ${JSON.stringify(e.err ?? '')}`);
}

/** The broker's own view of its stores, as a probe reads it: the management application's /readyz. */
async function readiness(stack: Stack): Promise<Record<string, string>> {
  const probe = await listenOnLoopback();
  probe.server.on('request', stack.broker.managementApp.callback());
  try {
    return ((await (await fetch(`${probe.url}/readyz`)).json()) as { checks: Record<string, string> }).checks;
  } finally {
    await closeServer(probe.server);
  }
}

async function tokenRequest(stack: Stack): Promise<Response> {
  return fetch(`${stack.brokerUrl}/token`, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('customersource:customersource-secret-0123456789').toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x'.repeat(43) }).toString(),
  });
}

describe('Redis unreachable', () => {
  let redis: OwnService;
  let stack: Stack;
  let log: MemoryLog;
  let brokerRedis: BrokerParts['redis'];
  beforeAll(async () => {
    redis = await ownRedis();
    log = memoryLog();
    stack = await startStack(
      {},
      { redisUrl: redis.url, logger: log.logger, instrument: (parts) => (brokerRedis = parts.redis) },
    );
  });
  afterAll(async () => {
    await stack.close();
    await redis.kill();
  });

  it('answers 503 "try again in a minute" on every route, logs why, and recovers without a restart', async () => {
    const portal = await TestPortal.discover(stack);
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, demoUser('carol'));

    await redis.kill();
    await waitFor('the broker to notice', async () => (await readiness(stack)).redis !== 'ok');

    // Submitting the e-mail: not "this sign-in has expired".
    const submitted = await browser.submit(callback, '/associate', { email: 'office@carol.example' });
    expect(submitted.status).toBe(503);
    expect(headingOf(submitted.html)).toBe(UNAVAILABLE);
    expect(textContent(submitted.html)).toContain('try again in a minute');
    expect(submitted.headers.get('retry-after')).toBe('60');

    // A new sign-in, answered by oidc-provider's /auth: the same page, not a 500.
    const fresh = await new TestBrowser().navigate((await portal.authorizationRequest()).url.href);
    expect(fresh.status).toBe(503);
    expect(headingOf(fresh.html)).toBe(UNAVAILABLE);

    // A portal's back channel gets JSON.
    const token = await tokenRequest(stack);
    expect(token.status).toBe(503);
    expect(await token.json()).toMatchObject({ error: 'temporarily_unavailable' });

    expect(errorsLogged(log).filter((line) => line.includes('redis unreachable')).length).toBeGreaterThanOrEqual(3);

    await redis.start();
    await waitFor('the broker to reconnect', async () => (await readiness(stack)).redis === 'ok');
    const again = await new TestBrowser().navigate(
      (await portal.authorizationRequest()).url.href,
      {},
      stack.upstreamUrl,
    );
    expect(again.status).not.toBe(503);
  });

  // The adapter's writes leave at the end of oidc-provider's request (store/request-writes.ts), after its own
  // error handler: a failing write is logged by the broker's error handler, with the same cause, as a 500.
  it('logs a failing oidc-provider request with its cause', async () => {
    const portal = await TestPortal.discover(stack);
    // No outage makes the adapter fail this way: the broker's own client is broken through createBroker's seam.
    const redisClient = brokerRedis;
    const multi = redisClient.multi.bind(redisClient);
    redisClient.multi = (() => {
      throw new Error('adapter exploded');
    }) as unknown as typeof redisClient.multi;
    try {
      const page = await new TestBrowser().navigate((await portal.authorizationRequest()).url.href);
      expect(page.status).toBe(500);
    } finally {
      redisClient.multi = multi;
    }
    const logged = log
      .entries()
      .find((e) => (e.err as { message?: string } | undefined)?.message === 'adapter exploded');
    expect(logged).toMatchObject({
      level: 50,
      msg: expect.stringMatching(/^(oidc-provider server_error|request failed)$/),
    });
  });
});

describe('MongoDB unreachable', () => {
  let mongo: OwnService;
  let stack: Stack;
  let log: MemoryLog;
  beforeAll(async () => {
    mongo = await ownFerretDb();
    log = memoryLog();
    stack = await startStack({}, { mongodbUri: mongo.url, logger: log.logger });
  });
  afterAll(async () => {
    await stack.close();
    await mongo.kill();
  });

  it('answers 503 "try again in a minute" instead of "something went wrong", logs why, and recovers', async () => {
    const portal = await TestPortal.discover(stack);
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, demoUser('carol'));

    await mongo.kill();
    // Mongoose notices a lost server at its next heartbeat: the stack's own connection to the same server tells when.
    await waitFor(
      'the broker to notice',
      async () => stack.db.readyState !== 1 && (await readiness(stack)).mongodb !== 'ok',
    );

    const submitted = await browser.submit(callback, '/associate', { email: 'office@carol.example' });
    expect(submitted.status).toBe(503);
    expect(headingOf(submitted.html)).toBe(UNAVAILABLE);
    const link = await new TestBrowser().navigate(`${stack.brokerUrl}/link?token=${'x'.repeat(43)}`);
    expect(link.status).toBe(503);
    // The cause: the broker's own finding, or the driver's error where the request met the outage first.
    expect(errorsLogged(log).some((line) => /mongodb unreachable|Mongo\w*Error/.test(line))).toBe(true);

    await mongo.start();
    await waitFor('the broker to reconnect', async () => (await readiness(stack)).mongodb === 'ok', 30_000);
    const again = await new TestBrowser().navigate(`${stack.brokerUrl}/link?token=${'x'.repeat(43)}`);
    expect(again.status).toBe(404);
  }, 60_000);
});
