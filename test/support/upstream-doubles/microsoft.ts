import { createHash, randomBytes } from 'node:crypto';
import { secretAuthentication } from './client-secret.ts';
import type { DoubleBehaviour, DoubleOptions, UpstreamDouble } from './contract.ts';
import { promptValues, startMiniOp, maxAgeExceeded, type Grant, doubleOf } from './mini-op.ts';

// Microsoft identity platform v2.0, personal accounts through the `consumers` authority
// (https://login.microsoftonline.com/consumers/v2.0/.well-known/openid-configuration).
//
// Re-authentication, as documented:
// - prompt=login "forces the user to enter their credentials on that request, negating single-sign on"
//   (learn.microsoft.com/entra/identity-platform/msal-js-prompt-behavior; same list in v2-protocols-oidc).
// - max_age is not among the documented sign-in request parameters: MSAL's maintainers say "`max_age` is not
//   currently documented in our doc" (AzureAD/microsoft-authentication-library-for-python#381). MSAL users report
//   that Entra (work) accounts do honour it and then return auth_time (#444, #455), but nothing documents it for
//   personal accounts, so by default this double ignores max_age; `behaviour.honourMaxAge` plays the reported one.
// - auth_time is an optional claim the app registration must configure (optional-claims-reference), so ID tokens
//   carry none unless `behaviour.includeAuthTime`.

/** The tenant id of personal Microsoft accounts: the `tid` of their tokens and the tenant in the issuer. */
export const MICROSOFT_CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

export interface MicrosoftBehaviour extends DoubleBehaviour {
  /** `tid` of the ID tokens (another tenant's user, which a `consumers` configuration must refuse). */
  tenantId?: string;
  /** Force a login when max_age has passed, as Entra work accounts are reported to do. */
  honourMaxAge?: boolean;
}

export interface MicrosoftDoubleOptions extends DoubleOptions {
  /** Generated when not given. */
  clientSecret?: string;
}

/** The object id of a personal account: the same for every app, unlike the pairwise `sub`. */
function objectId(sub: string): string {
  const hex = createHash('sha256').update(sub).digest('hex');
  return `00000000-0000-0000-${hex.slice(0, 4)}-${hex.slice(4, 16)}`;
}

/**
 * A Microsoft double: issuer `${origin}/<consumer tenant>/v2.0` (not the base of its discovery URL), endpoints
 * under `${origin}/consumers/oauth2/v2.0/`, RS256 ID tokens with `tid`, `ver`, `oid`, and its login page on a
 * second origin (as login.live.com is), which then sends the browser back to the first one for the code.
 */
export async function startMicrosoftDouble(
  options: MicrosoftDoubleOptions,
): Promise<UpstreamDouble<MicrosoftBehaviour>> {
  const behaviour: MicrosoftBehaviour = {};
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const op = await startMiniOp({
    ...options,
    behaviour,
    cookiePrefix: 'ms',
    separateLoginOrigin: true,
    rules: ({ origin }) => ({
      heading: 'Sign in to your Microsoft account',
      issuer: `${origin}/${MICROSOFT_CONSUMER_TENANT}/v2.0`,
      paths: {
        discovery: '/consumers/v2.0/.well-known/openid-configuration',
        authorization: '/consumers/oauth2/v2.0/authorize',
        token: '/consumers/oauth2/v2.0/token',
        jwks: '/consumers/discovery/v2.0/keys',
        // Microsoft serves userinfo from Microsoft Graph (graph.microsoft.com/oidc/userinfo).
        userinfo: '/oidc/userinfo',
      },
      signingAlg: 'RS256',
      discovery: {
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        claims_supported: [
          'sub',
          'iss',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'email',
        ],
        tenant_region_scope: null,
        cloud_instance_name: 'microsoftonline.com',
      },
      mustLogIn: (params, authTime, now) =>
        promptValues(params).includes('login') ||
        (behaviour.honourMaxAge === true && maxAgeExceeded(params, authTime, now)),
      responseMode: (params) => (params.response_mode === 'form_post' ? 'form_post' : 'query'),
      authenticateClient: secretAuthentication(options.clientId, clientSecret, [
        'client_secret_basic',
        'client_secret_post',
      ]),
      idTokenClaims: (grant: Grant) => ({
        ver: '2.0',
        tid: behaviour.tenantId ?? MICROSOFT_CONSUMER_TENANT,
        oid: objectId(grant.user.sub),
        ...(grant.scopes.has('profile') ? { name: grant.user.name, preferred_username: grant.user.email } : {}),
        // "email": only with the email scope (id-token-claims-reference).
        ...(grant.scopes.has('email') ? { email: grant.user.email } : {}),
        ...(behaviour.includeAuthTime ? { auth_time: grant.authTime } : {}),
      }),
      userinfo: (grant: Grant) => {
        const [givenName, ...family] = grant.user.name.split(' ');
        return {
          name: grant.user.name,
          given_name: givenName,
          family_name: family.join(' '),
          ...(grant.scopes.has('email') ? { email: grant.user.email } : {}),
        };
      },
    }),
  });
  return doubleOf(op, behaviour, (id, name) => ({
    id,
    name,
    type: 'microsoft',
    // The tenant whose `tid` the ID tokens must carry (the broker's `tenant` is a GUID, personal accounts by default).
    tenant: MICROSOFT_CONSUMER_TENANT,
    issuer: op.issuer,
    discoveryUrl: op.discoveryUrl,
    clientId: options.clientId,
    clientSecret,
  }));
}
