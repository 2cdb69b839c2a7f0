import * as oidc from 'openid-client';
import type { TestBrowser, Page } from '../support/browser.ts';
import { loginUpstream } from '../support/portal.ts';
import type { Stack } from '../support/stack.ts';
import type { DemoUser } from '../parties/demo-upstream.ts';
import type { AuthorizationAttempt } from '../support/portal.ts';

/**
 * A portal of any stack played with openid-client: its own client authentication (secret in the header or the body,
 * a private key, none) and redirect URI, discovery, PKCE, state and nonce, as such a relying party does.
 */
export class StackPortal {
  readonly configuration: oidc.Configuration;
  readonly redirectUri: string;

  private constructor(configuration: oidc.Configuration, redirectUri: string) {
    this.configuration = configuration;
    this.redirectUri = redirectUri;
  }

  static async discover(
    stack: Stack,
    client: { clientId: string; redirectUri: string; metadata?: Partial<oidc.ClientMetadata> },
    authentication: oidc.ClientAuth = oidc.None(),
  ): Promise<StackPortal> {
    const configuration = await oidc.discovery(
      new URL(stack.brokerUrl),
      client.clientId,
      client.metadata,
      authentication,
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    return new StackPortal(configuration, client.redirectUri);
  }

  async authorizationRequest(parameters: Record<string, string> = {}): Promise<AuthorizationAttempt> {
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const redirectUri = parameters.redirect_uri ?? this.redirectUri;
    const url = oidc.buildAuthorizationUrl(this.configuration, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...parameters,
    });
    return { url, state, nonce, codeVerifier, redirectUri };
  }

  exchange(callbackUrl: string, attempt: AuthorizationAttempt) {
    return oidc.authorizationCodeGrant(this.configuration, new URL(callbackUrl), {
      expectedState: attempt.state,
      expectedNonce: attempt.nonce,
      pkceCodeVerifier: attempt.codeVerifier,
      idTokenExpected: true,
    });
  }

  /** Portal → broker → upstream login → broker → back at the redirect URI (returned unvisited). */
  async signIn(
    browser: TestBrowser,
    user: DemoUser,
    parameters: Record<string, string> = {},
  ): Promise<{ attempt: AuthorizationAttempt; callback: Page }> {
    const attempt = await this.authorizationRequest(parameters);
    const loginPage = await browser.navigate(attempt.url.href, {}, attempt.redirectUri);
    const callback = await loginUpstream(browser, loginPage, user, attempt.redirectUri);
    return { attempt, callback };
  }

  /** The same browser, already signed in at the broker: straight back with a code (SSO). */
  async signInAgain(
    browser: TestBrowser,
    parameters: Record<string, string> = {},
  ): Promise<{ attempt: AuthorizationAttempt; callback: Page }> {
    const attempt = await this.authorizationRequest(parameters);
    const callback = await browser.navigate(attempt.url.href, {}, attempt.redirectUri);
    return { attempt, callback };
  }
}
