import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { TestBrowser } from '../support/browser.ts';
import { demoUser, startStack, TEST_CLIENTS, type Stack } from '../support/stack.ts';
import { StackPortal } from '../portals/stack-portal.ts';
import { startLogoutReceiver, type LogoutReceiver } from '../portals/logout-receiver.ts';
import { CLUSTER_WAIT_MS, holdCluster } from '../support/cluster-lock.ts';
import { TEST_CLUSTER } from '../support/stores.ts';

// The index that finds a session by the `sid` of a portal's ID token is written with the sign-in's own writes,
// which a Redis Cluster splits by slot: a portal's server-side logout finds and ends the session there too.

const bob = demoUser('bob');
const [customerSource] = TEST_CLIENTS;
const PORTAL = {
  clientId: 'portal-c',
  secret: 'portal-c-secret-0123456789',
  redirectUri: 'http://127.0.0.1:9/c/callback',
};

describe('server-side logout with Redis Cluster', () => {
  let stack: Stack;
  let receiver: LogoutReceiver;
  let portal: StackPortal;
  let release: () => void;

  beforeAll(async () => {
    release = await holdCluster('shared');
    receiver = await startLogoutReceiver();
    stack = await startStack(
      {
        redis: { ...TEST_CLUSTER, keyPrefix: `ibtest:${randomBytes(6).toString('hex')}:` },
        clients: [
          customerSource,
          {
            clientId: PORTAL.clientId,
            clientSecret: PORTAL.secret,
            name: PORTAL.clientId,
            redirectUris: [PORTAL.redirectUri],
            backchannelLogoutUri: receiver.backchannelUri,
          },
        ],
      },
      { redisUrl: '' },
    );
    await stack.seedLinkedAccount(bob);
    portal = await StackPortal.discover(stack, PORTAL, oidc.ClientSecretBasic(PORTAL.secret));
  }, CLUSTER_WAIT_MS);
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
    release?.();
  });

  it("ends the session named by the portal's ID token, and the next sign-in is not silent", async () => {
    const browser = new TestBrowser();
    const { attempt, callback } = await portal.signIn(browser, bob);
    const tokens = await portal.exchange(callback.url, attempt);

    const answer = await fetch(oidc.buildEndSessionUrl(portal.configuration, { id_token_hint: tokens.id_token! }), {
      redirect: 'manual',
    });
    expect([answer.status, await answer.text()]).toEqual([200, '']);

    const [logoutToken] = await receiver.waitForLogoutTokens(1);
    expect(decodeJwt(logoutToken!).sid).toBe(tokens.claims()?.sid);
    const silent = await portal.signInAgain(browser, { prompt: 'none' });
    expect(new URL(silent.callback.url).searchParams.get('error')).toBe('login_required');
  });
});
