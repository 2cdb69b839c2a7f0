import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { TestBrowser } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { waitFor } from './support/own-services.ts';
import { PRIMARY_NAME, startSentinelGroup, type SentinelGroup } from './support/sentinel-group.ts';

describe('Redis behind Sentinel', () => {
  let group: SentinelGroup;
  let stack: Stack;
  beforeAll(async () => {
    group = await startSentinelGroup();
    stack = await startStack(
      {
        redis: {
          sentinels: group.sentinels,
          name: PRIMARY_NAME,
          keyPrefix: `ibtest:${randomBytes(6).toString('hex')}:`,
        },
      },
      { redisUrl: '' },
    );
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await group?.stop();
  });

  it('keeps the session and the refresh token through a failover, without restarting the broker', async () => {
    const alice = demoUser('alice');
    await stack.seedLinkedAccount(alice);
    const portal = await TestPortal.discover(stack);
    const browser = new TestBrowser();
    const { attempt, callback } = await signIn(browser, portal, alice, {
      scope: 'openid email offline_access',
      prompt: 'consent',
    });
    const tokens = await portal.exchange(callback.url, attempt);
    expect(tokens.refresh_token).toBeDefined();

    // What the primary holds has reached the replica before the primary dies (replication is asynchronous).
    const oldPrimary = await group.primaryPort();
    const direct = new Redis({ port: oldPrimary, host: '127.0.0.1' });
    expect(Number(await direct.call('WAIT', '1', '5000'))).toBe(1);
    direct.disconnect();

    await group.killServer(oldPrimary);
    await waitFor(
      'the sentinels to promote the replica',
      async () => {
        const now = await group.primaryPort();
        return now > 0 && now !== oldPrimary;
      },
      30_000,
    );
    await waitFor(
      'the broker to answer again',
      async () => {
        const response = await fetch(`${stack.brokerUrl}/readyz`);
        return response.status === 200;
      },
      45_000,
    );

    // The browser's broker session still signs it in without going upstream (asked again while ioredis may still
    // be settling on the new primary: a 503 "try again in a minute" then is the documented answer, not a failure)...
    let again = await portal.authorizationRequest();
    let page = await browser.navigate(again.url.href, {}, again.redirectUri);
    for (const deadline = Date.now() + 20_000; page.status === 503 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      again = await portal.authorizationRequest();
      page = await browser.navigate(again.url.href, {}, again.redirectUri);
    }
    expect(page.url.startsWith(again.redirectUri)).toBe(true);
    expect((await portal.exchange(page.url, again)).claims()?.sub).toBe(tokens.claims()?.sub);
    // ...and the portal's refresh token still works (and rotates).
    const refreshed = await oidc.refreshTokenGrant(portal.configuration, tokens.refresh_token ?? '');
    expect(refreshed.access_token).toBeDefined();
  }, 150_000);
});
