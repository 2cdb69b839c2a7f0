import { randomBytes } from 'node:crypto';
import { secretAuthentication } from './client-secret.ts';
import type { DoubleBehaviour, DoubleOptions, UpstreamDouble } from './contract.ts';
import { promptValues, startMiniOp, maxAgeExceeded, type Grant, doubleOf } from './mini-op.ts';

// A standard OpenID provider (OIDC Core as written: prompt=login and max_age honoured, auth_time given) whose
// discovery document is published under an alias, as reverse proxies and multi-tenant products often do: served
// at /tenants/<realm>/.well-known/openid-configuration, naming the issuer /realms/<realm>. The broker must fetch
// the document from `discoveryUrl` and still check tokens against the issuer it names (OIDC Discovery §4.3).

export interface GenericBehaviour extends DoubleBehaviour {
  /** ID tokens without email and name; userinfo still returns them (the RP must ask userinfo). */
  thinIdToken?: boolean;
}

export interface GenericDoubleOptions extends DoubleOptions {
  clientSecret?: string;
  /** Path segment of the issuer and of the discovery alias; `acme` by default. */
  realm?: string;
}

/**
 * A generic OIDC double: ES256, client_secret_basic/post, auth_time always unless `behaviour.includeAuthTime`
 * is false (then only when max_age is sent, the minimum OIDC Core §2 requires).
 */
export async function startGenericOidcDouble(options: GenericDoubleOptions): Promise<UpstreamDouble<GenericBehaviour>> {
  const behaviour: GenericBehaviour = {};
  const realm = options.realm ?? 'acme';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const protocol = `/realms/${realm}/protocol/openid-connect`;
  const claims = (grant: Grant) => ({
    ...(grant.scopes.has('email') ? { email: grant.user.email, email_verified: true } : {}),
    ...(grant.scopes.has('profile') ? { name: grant.user.name } : {}),
  });
  const op = await startMiniOp({
    ...options,
    behaviour,
    cookiePrefix: 'oidc',
    rules: ({ origin }) => ({
      heading: `Sign in to ${realm}`,
      issuer: `${origin}/realms/${realm}`,
      paths: {
        discovery: `/tenants/${realm}/.well-known/openid-configuration`,
        authorization: `${protocol}/auth`,
        token: `${protocol}/token`,
        jwks: `${protocol}/certs`,
        userinfo: `${protocol}/userinfo`,
      },
      signingAlg: 'ES256',
      discovery: {
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'form_post'],
        subject_types_supported: ['public'],
        scopes_supported: ['openid', 'email', 'profile'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        code_challenge_methods_supported: ['S256'],
        prompt_values_supported: ['none', 'login'],
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'email', 'email_verified', 'name'],
      },
      mustLogIn: (params, authTime, now) =>
        promptValues(params).includes('login') || maxAgeExceeded(params, authTime, now),
      responseMode: (params) => (params.response_mode === 'form_post' ? 'form_post' : 'query'),
      authenticateClient: secretAuthentication(options.clientId, clientSecret, [
        'client_secret_basic',
        'client_secret_post',
      ]),
      idTokenClaims: (grant: Grant) => ({
        ...(behaviour.thinIdToken ? {} : claims(grant)),
        ...(behaviour.includeAuthTime !== false || grant.params.max_age !== undefined
          ? { auth_time: grant.authTime }
          : {}),
      }),
      userinfo: claims,
    }),
  });
  return doubleOf(op, behaviour, (id, name) => ({
    id,
    name,
    type: 'oidc',
    issuer: op.issuer,
    discoveryUrl: op.discoveryUrl,
    clientId: options.clientId,
    clientSecret,
  }));
}
