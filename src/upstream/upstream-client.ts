import * as oidc from 'openid-client';
import type { Counter } from 'prom-client';
import type { UpstreamConfig } from '../config/index.ts';
import { isLoopbackUrl } from '../config/loopback.ts';
import type { Logger } from '../log/logger.ts';
import {
  authenticationEvidence,
  isFresh,
  reauthenticationParameters,
  type FreshnessRequirement,
} from './authentication-evidence.ts';
import { upstreamClientAuthentication, type UpstreamClientAuthentication } from './client-authentication.ts';
import { describeFailure, type FailureCause } from './upstream-failure.ts';
import { ReauthenticationUnproven, UpstreamResponseInvalid, UpstreamUnavailable } from './upstream-errors.ts';
import { displayText, upstreamAddress } from './untrusted-text.ts';
import type { UpstreamIdentity } from './upstream-identity.ts';

export interface AuthorizationRequest {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** A fresh authentication the sign-in must prove (association confirmation, a portal's prompt=login/max_age). */
  freshness?: FreshnessRequirement;
}

const DISCOVERY_TTL_MS = 60 * 60_000;
const HTTP_TIMEOUT_S = 5;
// Apple posts the name as JSON beside the code, unsigned: read only a small, bounded amount of it.
const MAX_USER_FIELD = 2_048;

export type UpstreamFailureCounter = Counter<'upstream' | 'cause'>;

/** One configured upstream identity provider, spoken to through openid-client. */
export class UpstreamClient {
  readonly id: string;
  readonly name: string;
  readonly callbackUrl: string;
  readonly responseMode: UpstreamConfig['responseMode'];
  readonly #config: UpstreamConfig;
  readonly #logger: Logger;
  readonly #failures: UpstreamFailureCounter | undefined;
  readonly #authentication: UpstreamClientAuthentication;
  #discovered?: { at: number; configuration: Promise<oidc.Configuration>; settled?: boolean };

  constructor(config: UpstreamConfig, callbackUrl: string, logger: Logger, failures?: UpstreamFailureCounter) {
    this.id = config.id;
    this.name = config.name;
    this.callbackUrl = callbackUrl;
    this.responseMode = config.responseMode;
    this.#config = config;
    this.#logger = logger.child({ upstream: config.id });
    this.#failures = failures;
    this.#authentication = upstreamClientAuthentication(config);
  }

  /** Counts and logs an upstream failure with openid-client's own reason, then returns the page to show. */
  #fail(cause: FailureCause, step: string, error: unknown, page: Error): Error {
    this.#failures?.inc({ upstream: this.id, cause });
    this.#logger.warn({ cause, failure: describeFailure(error) }, `upstream ${step} failed`);
    return page;
  }

  /**
   * Discovery, cached for an hour. A failed discovery is not cached, so the next sign-in tries again instead of
   * failing until a restart. Where the document is not under the issuer (`discoveryUrl`), openid-client cannot
   * compare the issuer it names, so that comparison happens here: issuer validation stays on either way.
   */
  configuration(): Promise<oidc.Configuration> {
    const cached = this.#discovered;
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.configuration;
    const source = new URL(this.#config.discoveryUrl ?? this.#config.issuer);
    const configuration = oidc
      .discovery(
        source,
        this.#config.clientId,
        { redirect_uris: [this.callbackUrl], response_types: ['code'] },
        this.#authentication.auth,
        {
          timeout: HTTP_TIMEOUT_S,
          // Configuration validation accepts http issuers on loopback only (tests and the demo).
          execute: source.protocol === 'http:' && isLoopbackUrl(source) ? [oidc.allowInsecureRequests] : [],
        },
      )
      .catch((error: unknown) => {
        throw this.#fail(
          error instanceof TypeError ? 'unreachable' : 'discovery',
          'discovery',
          error,
          new UpstreamUnavailable(this.name),
        );
      })
      .then((discovered) => {
        const named = discovered.serverMetadata().issuer;
        if (named !== this.#config.issuer) {
          const error = new Error(
            `discovery document names issuer ${named}, configured issuer is ${this.#config.issuer}`,
          );
          throw this.#fail('issuer', 'discovery', error, new UpstreamResponseInvalid(this.name));
        }
        return discovered;
      });
    configuration.then(
      () => {
        if (this.#discovered?.configuration === configuration) this.#discovered.settled = true;
      },
      () => {
        if (this.#discovered?.configuration === configuration) this.#discovered = undefined;
      },
    );
    this.#discovered = { at: Date.now(), configuration };
    return configuration;
  }

  /** Whether a sign-in can start without waiting for discovery (which may fail, and reports when it does). */
  get discovered(): boolean {
    const cached = this.#discovered;
    return cached?.settled === true && Date.now() - cached.at < DISCOVERY_TTL_MS;
  }

  /** The authorization request, with what the preset says asks this provider for a fresh authentication. */
  async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    const configuration = await this.configuration();
    return oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.callbackUrl,
      scope: this.#config.scopes.join(' '),
      state: request.state,
      nonce: request.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(request.codeVerifier),
      code_challenge_method: 'S256',
      ...(this.#config.responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
      ...reauthenticationParameters(this.#config.reauthentication, request.freshness),
    });
  }

  /**
   * Exchanges the code of a callback whose state was already matched to `request`. openid-client validates the
   * ID token (issuer, audience, signature, nonce) and the PKCE verifier; the freshness of the authentication is
   * checked here, because some providers prove it without `auth_time` (see authentication-evidence.ts).
   * `userField` is Apple's unsigned `user` form field, used only for a display name.
   */
  async exchange(callbackUrl: URL, request: AuthorizationRequest, userField?: string): Promise<UpstreamIdentity> {
    const configuration = await this.configuration();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      await this.#authentication.prepare();
      tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: request.state,
        expectedNonce: request.nonce,
        pkceCodeVerifier: request.codeVerifier,
        idTokenExpected: true,
      });
    } catch (error) {
      const { code, error: providerError, status } = describeFailure(error);
      if (error instanceof TypeError || code === 'OAUTH_TIMEOUT') {
        throw this.#fail('unreachable', 'code exchange', error, new UpstreamUnavailable(this.name));
      }
      // RFC 6749 5.2: a token endpoint refuses client authentication with invalid_client, or with 401 alone.
      const refusedClient =
        providerError === 'invalid_client' || providerError === 'unauthorized_client' || status === 401;
      const cause = refusedClient ? 'client-auth' : 'invalid-response';
      throw this.#fail(cause, 'code exchange', error, new UpstreamResponseInvalid(this.name));
    }
    const claims = tokens.claims();
    if (!claims)
      throw this.#fail(
        'invalid-response',
        'code exchange',
        new Error('no ID token'),
        new UpstreamResponseInvalid(this.name),
      );
    if (this.#config.tenant && claims.tid !== this.#config.tenant) {
      const error = new Error(
        `ID token tenant ${String(claims.tid).slice(0, 64)} is not the configured ${this.#config.tenant}`,
      );
      throw this.#fail('tenant', 'code exchange', error, new UpstreamResponseInvalid(this.name));
    }
    const sent = reauthenticationParameters(this.#config.reauthentication, request.freshness);
    const evidence = authenticationEvidence(claims, sent, this.#config.reauthentication);
    const now = Math.floor(Date.now() / 1000);
    if (request.freshness && !isFresh(evidence, request.freshness, now)) {
      const reason =
        evidence.authTime === undefined
          ? 'the ID token proves no authentication time (no auth_time, and prompt=login is not known to be enforced)'
          : `the upstream authentication (auth_time ${evidence.authTime}) is older than required`;
      throw this.#fail(
        evidence.authTime === undefined ? 'auth-time' : 'reauthentication',
        'reauthentication',
        new Error(reason),
        new ReauthenticationUnproven(this.name),
      );
    }
    const details = await this.#identityDetails(configuration, tokens.access_token, claims, userField);
    return {
      upstreamId: this.id,
      issuer: claims.iss,
      subject: claims.sub,
      ...details,
      ...(evidence.authTime !== undefined ? { authTime: evidence.authTime } : {}),
      ...(Array.isArray(claims.amr)
        ? {
            amr: claims.amr
              .filter((v): v is string => typeof v === 'string')
              .slice(0, 8)
              .map((v) => v.slice(0, 32)),
          }
        : {}),
      ...(typeof claims.acr === 'string' ? { acr: claims.acr.slice(0, 128) } : {}),
    };
  }

  /** E-mail and name from the ID token; userinfo is asked only when the token lacks them and the provider has one. */
  async #identityDetails(
    configuration: oidc.Configuration,
    accessToken: string,
    claims: oidc.IDToken,
    userField: string | undefined,
  ): Promise<{ email?: string; emailVerified?: boolean; name?: string }> {
    let email = upstreamAddress(claims.email);
    let emailVerified = email ? verified(claims.email_verified) : undefined;
    let name = displayText(claims.name) ?? nameFromAppleUserField(userField);
    if ((!email || !name) && configuration.serverMetadata().userinfo_endpoint) {
      try {
        const info = await oidc.fetchUserInfo(configuration, accessToken, claims.sub);
        if (!email) {
          email = upstreamAddress(info.email);
          emailVerified = email ? verified(info.email_verified) : undefined;
        }
        name ??= displayText(info.name);
      } catch (error) {
        // The sign-in itself is valid; without the details, pages and e-mails fall back to the provider's name.
        this.#failures?.inc({ upstream: this.id, cause: 'invalid-response' });
        this.#logger.warn({ failure: describeFailure(error) }, 'upstream userinfo failed');
      }
    }
    return { ...(email ? { email, emailVerified: emailVerified === true } : {}), ...(name ? { name } : {}) };
  }
}

// Some providers (Apple) send the boolean as a string.
const verified = (value: unknown): boolean => value === true || value === 'true';

function nameFromAppleUserField(field: string | undefined): string | undefined {
  if (!field || field.length > MAX_USER_FIELD) return undefined;
  try {
    const parsed = JSON.parse(field) as { name?: { firstName?: unknown; lastName?: unknown } };
    const parts = [parsed.name?.firstName, parsed.name?.lastName].filter((p): p is string => typeof p === 'string');
    return displayText(parts.join(' '));
  } catch {
    return undefined;
  }
}
