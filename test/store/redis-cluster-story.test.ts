import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { TestBrowser, headingOf } from '../support/browser.ts';
import { startMailingStack, type MailingStack } from '../support/mailing-stack.ts';
import { loginUpstream, signIn } from '../support/portal.ts';
import { linkIn } from '../support/sendgrid-sink.ts';
import { TEST_CLIENTS, demoUser } from '../support/stack.ts';
import { CLUSTER_WAIT_MS, holdCluster } from '../support/cluster-lock.ts';
import { TEST_CLUSTER } from '../support/stores.ts';

const carol = demoUser('carol');
const REGISTERED = 'office@carol-and-co.example';
const LONG_LIVED = { scope: 'openid email customer offline_access', prompt: 'consent' };

// The whole life of an association with the broker's Redis a 3-primary, 3-replica cluster (127.0.0.1:7101-7106,
// started by jest's global setup): every MULTI, script and pub/sub notice of the story runs on it.
describe("a person's story with Redis Cluster", () => {
  let mailing: MailingStack;
  let release: () => void;
  beforeAll(async () => {
    release = await holdCluster('shared');
    mailing = await startMailingStack(
      { redis: { ...TEST_CLUSTER, keyPrefix: `ibtest:${randomBytes(6).toString('hex')}:` } },
      { redisUrl: '' },
    );
    await mailing.stack.seedAccount({ name: 'Carol & Co', email: REGISTERED, customerNumber: '100003' });
  }, CLUSTER_WAIT_MS);
  afterAll(async () => {
    await mailing?.close();
    release?.();
  });

  it('first sign-in with association, a later sign-in, refresh, logout, then "this wasn\'t me" ends it all', async () => {
    const { portal, stack } = mailing;
    const userinfo = (accessToken: string) =>
      fetch(portal.configuration.serverMetadata().userinfo_endpoint ?? '', {
        headers: { authorization: `Bearer ${accessToken}` },
      });

    // First sign-in: not linked yet, so the association by e-mail, then tokens.
    const first = new TestBrowser();
    const { attempt, callback } = await signIn(first, portal, carol, LONG_LIVED);
    await first.submit(callback, '/associate', { email: REGISTERED });
    const link = linkIn((await mailing.sentMail()).find((m) => m.to === REGISTERED)!);
    const confirm = await first.navigate(link);
    const success = await loginUpstream(first, await first.submit(confirm, '/link/confirm'), carol, portal.redirectUri);
    expect(headingOf(success.html)).toBe('Your sign-in is associated');
    const atPortal = await first.submitLink(success, 'Continue', portal.redirectUri);
    const tokens = await portal.exchange(atPortal.url, attempt);
    expect(await membershipModel(stack.db).countDocuments({})).toBe(1);
    const notice = (await mailing.sentMail()).find(
      (m) => m.subject === 'Your sign-in was associated with your customer account',
    );
    const notMe = /(http:\/\/127\.0\.0\.1:\d+\/link\/not-me\?token=[A-Za-z0-9_-]{43})/.exec(notice?.text ?? '')?.[1];
    expect(notMe).toBeDefined();

    // A later sign-in in another browser goes straight through to the portal, as the same person.
    const later = new TestBrowser();
    const again = await signIn(later, portal, carol, LONG_LIVED);
    const laterTokens = await portal.exchange(again.callback.url, again.attempt);
    expect(laterTokens.claims()?.sub).toBe(tokens.claims()?.sub);

    // Refresh rotates the token; the old one is refused cleanly.
    const refreshed = await oidc.refreshTokenGrant(portal.configuration, tokens.refresh_token ?? '');
    expect(refreshed.access_token).toBeDefined();
    expect((await userinfo(refreshed.access_token)).status).toBe(200);
    await expect(oidc.refreshTokenGrant(portal.configuration, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // Logout of the later browser ends its session: a silent sign-in there needs a login again.
    const logoutUrl = oidc.buildEndSessionUrl(portal.configuration, {
      id_token_hint: laterTokens.id_token ?? '',
      post_logout_redirect_uri: TEST_CLIENTS[0].postLogoutRedirectUris[0],
    });
    const signingOut = await later.navigate(logoutUrl.href);
    await later.submit(
      signingOut,
      '/session/end/confirm',
      { logout: 'yes' },
      TEST_CLIENTS[0].postLogoutRedirectUris[0],
    );
    const silent = await portal.authorizationRequest({ prompt: 'none' });
    const refused = await later.navigate(silent.url.href, {}, silent.redirectUri);
    expect(new URL(refused.url).searchParams.get('error')).toBe('login_required');

    // "This wasn't me": the association is undone, and every token and session of Carol's ends with it.
    // Before it, the first browser's session lives: a silent request is refused for consent, not for a login.
    const stillSignedIn = await portal.authorizationRequest({ prompt: 'none' });
    const beforeNotMe = await first.navigate(stillSignedIn.url.href, {}, stillSignedIn.redirectUri);
    expect(new URL(beforeNotMe.url).searchParams.get('error')).toBe('consent_required');
    const owner = new TestBrowser();
    const done = await owner.submit(await owner.navigate(notMe ?? ''), '/link/not-me');
    expect(headingOf(done.html)).toBe('The sign-in was removed');
    expect(await membershipModel(stack.db).countDocuments({})).toBe(0);
    expect((await userinfo(refreshed.access_token)).status).toBe(401);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    await expect(oidc.refreshTokenGrant(portal.configuration, refreshed.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const afterwards = await portal.authorizationRequest({ prompt: 'none' });
    const noSession = await first.navigate(afterwards.url.href, {}, afterwards.redirectUri);
    expect(new URL(noSession.url).searchParams.get('error')).toBe('login_required');
  });
});
