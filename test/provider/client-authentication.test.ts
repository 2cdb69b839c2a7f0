import * as oidc from 'openid-client';
import type { CryptoKey } from 'openid-client';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { TestBrowser } from '../support/browser.ts';
import { demoUser, startStack, TEST_CLIENTS, type Stack } from '../support/stack.ts';
import { StackPortal } from '../portals/stack-portal.ts';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';

// Portals of every common stack against one broker: a single-page app and a native app (public clients), a
// portal authenticating with its own key, one sending its secret in the body, one that accepts only RS256.

const alice = demoUser('alice');
const SPA_ORIGIN = 'http://127.0.0.1:9';
const SPA = { clientId: 'spa', redirectUri: `${SPA_ORIGIN}/spa/callback` };
const NATIVE = { clientId: 'native-app', redirectUri: 'http://127.0.0.1/native/callback' };
const KEYED = { clientId: 'keyed', redirectUri: 'http://127.0.0.1:9/keyed/callback' };
const POSTED = {
  clientId: 'posted',
  redirectUri: 'http://127.0.0.1:9/posted/callback',
  secret: 'posted-secret-0123456789',
};
const ELLIPTIC = {
  clientId: 'elliptic',
  redirectUri: 'http://127.0.0.1:9/elliptic/callback',
  secret: 'elliptic-secret-0123456789',
};

describe('portals of every stack authenticate as registered', () => {
  let stack: Stack;
  let portalKey: CryptoKey;
  let portalJwks: Awaited<ReturnType<typeof listenOnLoopback>>;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    portalKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'keyed-1', alg: 'ES256', use: 'sig' };
    // The portal publishes its keys at jwksUri. (Inline `jwks` works the same in the broker, but not under jest:
    // oidc-provider structuredClones static clients, and jest's structuredClone makes objects of another realm,
    // which oidc-provider's plain-object check refuses.)
    portalJwks = await listenOnLoopback();
    portalJwks.server.on('request', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })),
    );
    stack = await startStack({
      clients: [
        ...TEST_CLIENTS,
        {
          clientId: SPA.clientId,
          name: 'SPA',
          redirectUris: [SPA.redirectUri],
          tokenEndpointAuthMethod: 'none',
          allowedOrigins: [SPA_ORIGIN],
        },
        {
          clientId: NATIVE.clientId,
          name: 'Native',
          applicationType: 'native',
          tokenEndpointAuthMethod: 'none',
          redirectUris: [NATIVE.redirectUri, 'com.example.portal:/callback'],
        },
        {
          clientId: KEYED.clientId,
          name: 'Keyed',
          redirectUris: [KEYED.redirectUri],
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwksUri: `${portalJwks.url}/jwks`,
          idTokenSignedResponseAlg: 'RS256',
        },
        {
          clientId: POSTED.clientId,
          clientSecret: POSTED.secret,
          name: 'Posted',
          redirectUris: [POSTED.redirectUri],
          tokenEndpointAuthMethod: 'client_secret_post',
        },
        {
          clientId: ELLIPTIC.clientId,
          clientSecret: ELLIPTIC.secret,
          name: 'Elliptic',
          redirectUris: [ELLIPTIC.redirectUri],
          idTokenSignedResponseAlg: 'ES256',
        },
      ],
    });
    await stack.seedLinkedAccount(alice);
  });
  afterAll(async () => {
    await stack.close();
    await closeServer(portalJwks.server);
  });

  it('discovery lists RS256 and ES256 for ID tokens, the four client authentication methods and logout support', async () => {
    const metadata = (await fetch(`${stack.brokerUrl}/.well-known/openid-configuration`).then((r) =>
      r.json(),
    )) as Record<string, unknown>;
    expect(metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
    expect(metadata.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      'none',
    ]);
    expect(metadata).toMatchObject({
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      frontchannel_logout_supported: true,
      frontchannel_logout_session_supported: true,
      end_session_endpoint: `${stack.brokerUrl}/session/end`,
    });
    const jwks = (await fetch(`${stack.brokerUrl}/jwks`).then((r) => r.json())) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(jwks.keys.every((k) => !('d' in k) && !('created' in k))).toBe(true);
  });

  it('a public single-page app completes code + PKCE without a secret and refreshes with rotation, from its own origin', async () => {
    const spa = await StackPortal.discover(stack, SPA);
    const { attempt, callback } = await spa.signIn(new TestBrowser(), alice, {
      scope: 'openid email offline_access',
      prompt: 'consent',
    });
    const tokens = await spa.exchange(callback.url, attempt);
    expect(tokens.claims()?.sub).toBeDefined();
    // What the browser sends and checks: a refresh from the SPA's own origin, answered for that origin.
    const fromSpa = await fetch(`${stack.brokerUrl}/token`, {
      method: 'POST',
      headers: { origin: SPA_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: SPA.clientId,
      }),
    });
    expect(fromSpa.status).toBe(200);
    expect(fromSpa.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    const refreshed = (await fromSpa.json()) as { refresh_token: string };
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    // Rotation: the used refresh token is refused (and its reuse ends the grant, as RFC 9700 4.14.2 advises).
    await expect(oidc.refreshTokenGrant(spa.configuration, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    const fromElsewhere = await fetch(`${stack.brokerUrl}/token`, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:8', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'whatever', client_id: SPA.clientId }),
    });
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect(await fromElsewhere.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('origin'),
    });
  });

  it('a public client is refused when it presents a secret, and a public client without PKCE gets no code', async () => {
    const withSecret = await StackPortal.discover(stack, SPA, oidc.ClientSecretBasic('not-a-registered-secret'));
    const { attempt, callback } = await withSecret.signIn(new TestBrowser(), alice);
    // A 401 with a Basic challenge: openid-client reports the challenge rather than the body.
    await expect(withSecret.exchange(callback.url, attempt)).rejects.toMatchObject({
      status: 401,
      cause: [{ scheme: 'basic', parameters: { error: 'invalid_client' } }],
    });

    const spa = await StackPortal.discover(stack, SPA);
    const request = await spa.authorizationRequest();
    request.url.searchParams.delete('code_challenge');
    request.url.searchParams.delete('code_challenge_method');
    const response = await new TestBrowser().request(request.url.href);
    expect(new URL(response.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
  });

  it('a native app receives the code on a loopback port chosen at run time (RFC 8252 7.3)', async () => {
    const redirectUri = 'http://127.0.0.1:51234/native/callback';
    const app = await StackPortal.discover(stack, { ...NATIVE, redirectUri });
    const { attempt, callback } = await app.signIn(new TestBrowser(), alice);
    expect(callback.url.startsWith(redirectUri)).toBe(true);
    await expect(app.exchange(callback.url, attempt)).resolves.toHaveProperty('id_token');

    const elsewhere = await app.authorizationRequest({ redirect_uri: 'http://127.0.0.1:51234/other' });
    expect((await new TestBrowser().navigate(elsewhere.url.href)).status).toBe(400);
  });

  it('a private_key_jwt portal authenticates with its key and is refused with a secret', async () => {
    const keyed = await StackPortal.discover(
      stack,
      { ...KEYED, metadata: { id_token_signed_response_alg: 'RS256' } },
      oidc.PrivateKeyJwt({ key: portalKey, kid: 'keyed-1' }),
    );
    const { attempt, callback } = await keyed.signIn(new TestBrowser(), alice);
    await expect(keyed.exchange(callback.url, attempt)).resolves.toHaveProperty('access_token');

    const withSecret = await StackPortal.discover(stack, KEYED, oidc.ClientSecretPost('a-secret-it-never-had'));
    const second = await withSecret.signIn(new TestBrowser(), alice);
    await expect(withSecret.exchange(second.callback.url, second.attempt)).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('a portal set to RS256 gets ID tokens a stock RS256-only verifier accepts', async () => {
    const keyed = await StackPortal.discover(
      stack,
      { ...KEYED, metadata: { id_token_signed_response_alg: 'RS256' } },
      oidc.PrivateKeyJwt({ key: portalKey, kid: 'keyed-1' }),
    );
    const { attempt, callback } = await keyed.signIn(new TestBrowser(), alice);
    const tokens = await keyed.exchange(callback.url, attempt);
    const { payload, protectedHeader } = await jwtVerify(
      tokens.id_token!,
      createRemoteJWKSet(new URL(`${stack.brokerUrl}/jwks`)),
      {
        algorithms: ['RS256'],
        issuer: stack.brokerUrl,
        audience: KEYED.clientId,
      },
    );
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sid).toEqual(expect.any(String));
  });

  // OpenID Connect Dynamic Client Registration 1.0 section 2: RS256 is the default id_token_signed_response_alg, and
  // verifiers such as go-oidc's refuse anything else unless told. ES256 is there for the portals that register it.
  it('a portal that registers no algorithm gets RS256 ID tokens; one that registers ES256 gets ES256', async () => {
    const jwks = createRemoteJWKSet(new URL(`${stack.brokerUrl}/jwks`));
    const [customerSource] = TEST_CLIENTS;
    expect('idTokenSignedResponseAlg' in customerSource).toBe(false);
    const stock = await StackPortal.discover(
      stack,
      { clientId: customerSource.clientId, redirectUri: customerSource.redirectUris[0] },
      oidc.ClientSecretBasic(customerSource.clientSecret),
    );
    const first = await stock.signIn(new TestBrowser(), alice);
    const stockToken = (await stock.exchange(first.callback.url, first.attempt)).id_token!;
    const verified = await jwtVerify(stockToken, jwks, {
      algorithms: ['RS256'],
      issuer: stack.brokerUrl,
      audience: customerSource.clientId,
    });
    expect(verified.protectedHeader.alg).toBe('RS256');

    const elliptic = await StackPortal.discover(
      stack,
      { ...ELLIPTIC, metadata: { id_token_signed_response_alg: 'ES256' } },
      oidc.ClientSecretBasic(ELLIPTIC.secret),
    );
    const second = await elliptic.signIn(new TestBrowser(), alice);
    const ellipticToken = (await elliptic.exchange(second.callback.url, second.attempt)).id_token!;
    const { protectedHeader } = await jwtVerify(ellipticToken, jwks, {
      algorithms: ['ES256'],
      issuer: stack.brokerUrl,
      audience: ELLIPTIC.clientId,
    });
    expect(protectedHeader.alg).toBe('ES256');
    await expect(jwtVerify(ellipticToken, jwks, { algorithms: ['RS256'] })).rejects.toThrow();
  });

  // oidc-provider takes a secret from the body or the header alike for both secret methods (a secret is a secret);
  // what must fail is authenticating without it, or with another one.
  it('a client_secret_post portal sends its secret in the body, and is refused without it or with a wrong one', async () => {
    const posted = await StackPortal.discover(stack, POSTED, oidc.ClientSecretPost(POSTED.secret));
    const { attempt, callback } = await posted.signIn(new TestBrowser(), alice);
    const tokens = await posted.exchange(callback.url, attempt);
    expect(tokens.claims()?.sid).toEqual(expect.any(String));

    for (const authentication of [oidc.None(), oidc.ClientSecretPost('posted-secret-but-wrong-0')]) {
      const wrong = await StackPortal.discover(stack, POSTED, authentication);
      const second = await wrong.signIn(new TestBrowser(), alice);
      await expect(wrong.exchange(second.callback.url, second.attempt)).rejects.toMatchObject({
        error: 'invalid_client',
      });
    }
  });
});
