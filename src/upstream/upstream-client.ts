import * as oidc from 'openid-client';
import type { UpstreamConfig } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { UpstreamResponseInvalid, UpstreamUnavailable } from './upstream-errors.ts';

/** Who signed in upstream, as established by a validated ID token. */
export interface UpstreamIdentity {
  upstreamId: string;
  issuer: string;
  subject: string;
  email?: string;
  name?: string;
}

export interface AuthorizationRequest {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** `login` forces re-authentication (association confirmation). */
  prompt?: string;
  maxAge?: number;
}

const DISCOVERY_TTL_MS = 60 * 60_000;
const HTTP_TIMEOUT_S = 5;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** One configured upstream identity provider, spoken to through openid-client. */
export class UpstreamClient {
  readonly id: string;
  readonly name: string;
  readonly callbackUrl: string;
  readonly #config: UpstreamConfig;
  readonly #logger: Logger;
  #discovered?: { at: number; configuration: Promise<oidc.Configuration> };

  constructor(config: UpstreamConfig, callbackUrl: string, logger: Logger) {
    this.id = config.id;
    this.name = config.name;
    this.callbackUrl = callbackUrl;
    this.#config = config;
    this.#logger = logger.child({ upstream: config.id });
  }

  /**
   * Discovery, cached for an hour. A failed discovery is not cached, so the next sign-in tries again instead of
   * failing until a restart.
   */
  configuration(): Promise<oidc.Configuration> {
    const cached = this.#discovered;
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.configuration;
    const issuer = new URL(this.#config.issuer);
    const configuration = oidc
      .discovery(
        issuer,
        this.#config.clientId,
        { redirect_uris: [this.callbackUrl], response_types: ['code'] },
        this.#config.clientSecret ? oidc.ClientSecretPost(this.#config.clientSecret) : oidc.None(),
        {
          timeout: HTTP_TIMEOUT_S,
          // Configuration validation accepts http issuers on loopback only (tests and the demo).
          execute: issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname) ? [oidc.allowInsecureRequests] : [],
        },
      )
      .catch((error: unknown) => {
        this.#discovered = undefined;
        this.#logger.warn({ reason: (error as Error).message }, 'upstream discovery failed');
        throw new UpstreamUnavailable(this.name);
      });
    this.#discovered = { at: Date.now(), configuration };
    return configuration;
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    const configuration = await this.configuration();
    const parameters: Record<string, string> = {
      redirect_uri: this.callbackUrl,
      scope: this.#config.scopes.join(' '),
      state: request.state,
      nonce: request.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(request.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (request.prompt) parameters.prompt = request.prompt;
    if (request.maxAge !== undefined) parameters.max_age = String(request.maxAge);
    return oidc.buildAuthorizationUrl(configuration, parameters);
  }

  /**
   * Exchanges the code of a callback whose state was already matched to `request`; openid-client validates the
   * ID token (issuer, audience, signature, nonce, auth_time against max_age) and the PKCE verifier.
   */
  async exchange(callbackUrl: URL, request: AuthorizationRequest): Promise<UpstreamIdentity> {
    const configuration = await this.configuration();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: request.state,
        expectedNonce: request.nonce,
        pkceCodeVerifier: request.codeVerifier,
        idTokenExpected: true,
        ...(request.maxAge !== undefined ? { maxAge: request.maxAge } : {}),
      });
      claims = tokens.claims();
    } catch (error) {
      this.#logger.warn({ reason: (error as Error).message }, 'upstream code exchange failed');
      if (error instanceof TypeError || (error as { code?: string }).code === 'OAUTH_TIMEOUT') {
        throw new UpstreamUnavailable(this.name);
      }
      throw new UpstreamResponseInvalid(this.name);
    }
    if (!claims) throw new UpstreamResponseInvalid(this.name);
    return {
      upstreamId: this.id,
      issuer: claims.iss,
      subject: claims.sub,
      ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
      ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    };
  }
}
