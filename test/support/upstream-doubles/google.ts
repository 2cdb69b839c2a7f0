import { randomBytes } from 'node:crypto';
import { secretAuthentication } from './client-secret.ts';
import type { DoubleBehaviour, DoubleOptions, UpstreamDouble } from './contract.ts';
import { promptValues, startMiniOp, maxAgeExceeded, type Grant, doubleOf } from './mini-op.ts';

// Google as an OpenID provider (https://accounts.google.com, developers.google.com/identity/openid-connect).
//
// Re-authentication, as documented and observed:
// - `prompt` takes none, consent and select_account only. Any other value, `login` included, is refused with
//   Google's own error page ("Error 400: invalid_request — Invalid parameter value for prompt: Invalid prompt: …",
//   seen in googleapis/google-api-php-client#2444), not with a redirect: the broker must never send it.
// - max_age is not among the documented authentication URI parameters, and Google's discovery lists no auth_time
//   in claims_supported. A request with max_age gets an ID token without auth_time (the Stack Exchange question
//   "Google OpenID Connect: max_age request does not receive auth_time claim"), so an RP that checks max_age as
//   OIDC asks (openid-client does) refuses the answer. This double ignores max_age unless `behaviour.honourMaxAge`.
// - auth_time exists only for apps that enable "Session age claims" in Google Auth Platform (verified apps,
//   developers.google.com/identity/siwg/security-bundle): `behaviour.includeAuthTime`.

export interface GoogleBehaviour extends DoubleBehaviour {
  honourMaxAge?: boolean;
}

export interface GoogleDoubleOptions extends DoubleOptions {
  clientSecret?: string;
}

const GOOGLE_PROMPTS = new Set(['none', 'consent', 'select_account']);

/**
 * A Google double: issuer = origin, RS256 ID tokens with boolean email_verified, name and picture, and `iss` in
 * the authorization response (its discovery announces RFC 9207 support, so openid-client requires it).
 */
export async function startGoogleDouble(options: GoogleDoubleOptions): Promise<UpstreamDouble<GoogleBehaviour>> {
  const behaviour: GoogleBehaviour = {};
  const clientSecret = options.clientSecret ?? `GOCSPX-${randomBytes(18).toString('base64url')}`;
  const op = await startMiniOp({
    ...options,
    behaviour,
    cookiePrefix: 'google',
    rules: ({ origin }) => ({
      heading: 'Sign in with Google',
      issuer: origin,
      // Google spreads these over accounts.google.com, oauth2.googleapis.com and openidconnect.googleapis.com.
      paths: {
        discovery: '/.well-known/openid-configuration',
        authorization: '/o/oauth2/v2/auth',
        token: '/token',
        jwks: '/oauth2/v3/certs',
        userinfo: '/v1/userinfo',
      },
      signingAlg: 'RS256',
      discovery: {
        response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'none'],
        subject_types_supported: ['public'],
        scopes_supported: ['openid', 'email', 'profile'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        claims_supported: [
          'aud',
          'email',
          'email_verified',
          'exp',
          'family_name',
          'given_name',
          'iat',
          'iss',
          'name',
          'picture',
          'sub',
        ],
        code_challenge_methods_supported: ['plain', 'S256'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        authorization_response_iss_parameter_supported: true,
      },
      refuse: (params) => {
        const invalid = promptValues(params).filter((value) => !GOOGLE_PROMPTS.has(value));
        return invalid.length > 0
          ? `Invalid parameter value for prompt: Invalid prompt: ${invalid.join(' ')}`
          : undefined;
      },
      // select_account and consent show a chooser, not a password form: the session answers.
      mustLogIn: (params, authTime, now) => behaviour.honourMaxAge === true && maxAgeExceeded(params, authTime, now),
      responseMode: (params) => (params.response_mode === 'form_post' ? 'form_post' : 'query'),
      issParameter: true,
      authenticateClient: secretAuthentication(options.clientId, clientSecret, [
        'client_secret_basic',
        'client_secret_post',
      ]),
      idTokenClaims: (grant: Grant) => ({
        azp: options.clientId,
        ...(grant.scopes.has('email') ? { email: grant.user.email, email_verified: true } : {}),
        ...(grant.scopes.has('profile') ? profile(grant) : {}),
        ...(behaviour.includeAuthTime ? { auth_time: grant.authTime } : {}),
      }),
      userinfo: (grant: Grant) => ({
        ...(grant.scopes.has('email') ? { email: grant.user.email, email_verified: true } : {}),
        ...(grant.scopes.has('profile') ? profile(grant) : {}),
      }),
    }),
  });
  return doubleOf(op, behaviour, (id, name) => ({
    id,
    name,
    type: 'google',
    issuer: op.issuer,
    clientId: options.clientId,
    clientSecret,
  }));
}

function profile(grant: Grant): Record<string, string> {
  const [givenName = '', ...family] = grant.user.name.split(' ');
  return {
    name: grant.user.name,
    given_name: givenName,
    family_name: family.join(' '),
    picture: `https://lh3.googleusercontent.com/a/${encodeURIComponent(grant.user.sub)}=s96-c`,
  };
}
