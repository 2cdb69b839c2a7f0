import * as oidc from 'openid-client';
import { PORTAL_REDIRECT, TEST_CLIENTS, type Stack } from './stack.ts';
import type { TestBrowser } from './browser.ts';
import { type Page } from './browser.ts';
import type { DemoUser } from '../parties/demo-upstream.ts';

type TestClient = (typeof TEST_CLIENTS)[number];

export interface AuthorizationAttempt {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

/** A portal played by the test with openid-client: discovery, PKCE, state, nonce, as a real relying party. */
export class TestPortal {
  readonly client: TestClient;
  readonly configuration: oidc.Configuration;

  private constructor(client: TestClient, configuration: oidc.Configuration) {
    this.client = client;
    this.configuration = configuration;
  }

  static async discover(stack: Pick<Stack, 'brokerUrl'>, client: TestClient = TEST_CLIENTS[0]): Promise<TestPortal> {
    const configuration = await oidc.discovery(
      new URL(stack.brokerUrl),
      client.clientId,
      client.clientSecret,
      undefined,
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    return new TestPortal(client, configuration);
  }

  get redirectUri(): string {
    return this.client.redirectUris[0] ?? PORTAL_REDIRECT;
  }

  async authorizationRequest(parameters: Record<string, string> = {}): Promise<AuthorizationAttempt> {
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(this.configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid email profile customer',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...parameters,
    });
    return { url, state, nonce, codeVerifier, redirectUri: this.redirectUri };
  }

  exchange(callbackUrl: string, attempt: AuthorizationAttempt) {
    return oidc.authorizationCodeGrant(this.configuration, new URL(callbackUrl), {
      expectedState: attempt.state,
      expectedNonce: attempt.nonce,
      pkceCodeVerifier: attempt.codeVerifier,
      idTokenExpected: true,
    });
  }
}

/** Signs `user` in at the demo upstream's login page shown in `page`, following everything up to the portal. */
export async function loginUpstream(browser: TestBrowser, page: Page, user: DemoUser, stopAt: string): Promise<Page> {
  if (!/<form[^>]*action="[^"]*\/login"/.test(page.html))
    throw new Error(`not the upstream login page: ${page.url}\n${page.html}`);
  return browser.submit(page, '/login', { email: user.email, password: user.password }, stopAt);
}

/** The whole portal → broker → upstream → broker → portal round trip; returns where the browser was sent. */
export async function signIn(
  browser: TestBrowser,
  portal: TestPortal,
  user: DemoUser,
  parameters: Record<string, string> = {},
): Promise<{ attempt: AuthorizationAttempt; callback: Page }> {
  const attempt = await portal.authorizationRequest(parameters);
  const loginPage = await browser.navigate(attempt.url.href, {}, attempt.redirectUri);
  const callback = await loginUpstream(browser, loginPage, user, attempt.redirectUri);
  return { attempt, callback };
}
