import { createHash } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { constantEquals } from '../../../src/security/constant-equals.ts';
import { APPLE_CLIENT_SECRET_MAX_LIFETIME_S, type AppleClientKey } from './apple-client-key.ts';
import type { DoubleBehaviour, DoubleOptions, UpstreamDouble } from './contract.ts';
import { scopesOf, startMiniOp, type ClientCredentials, type Grant, doubleOf } from './mini-op.ts';

// Sign in with Apple, REST API (https://appleid.apple.com; developer.apple.com/documentation/signinwithapplerestapi).
//
// - response_mode must be form_post when any scope (name, email) is requested; the answer is a POST to the
//   redirect URI with code and state, and, on the user's FIRST authorization of this client only, `user`: JSON
//   {"name":{"firstName","lastName"},"email"}. The name is never in the ID token, so that post is the only time
//   an RP learns it.
// - The client secret is an ES256 JWT signed with the team's key (see apple-client-key.ts), sent with client_id
//   in the body (client_secret_post only). Anything wrong in it → invalid_client.
// - ID token: email_verified and is_private_email are the STRINGS "true"/"false" (Apple has also been seen to send
//   booleans: an RP must accept both), auth_time, nonce_supported. No userinfo endpoint.
// - Re-authentication: the authorization request documents no prompt and no max_age, and the web flow asks the
//   person to sign in with their Apple Account on every authorization (browser trust only spares the second
//   factor). So the double shows its login form every time whatever the request says, and always puts auth_time
//   in the ID token; `behaviour.rememberSession` plays a provider that would answer from a session instead.
// - Cancel posts error=user_cancelled_authorize (Apple's code, not access_denied).

export interface AppleBehaviour extends DoubleBehaviour {
  rememberSession?: boolean;
}

export interface AppleDoubleOptions extends DoubleOptions {
  /** The Services ID is the client id; its key pair comes from `createAppleClientKey()`. */
  clientKey: AppleClientKey;
  /** Users chose "Hide My Email": the RP gets a private relay address. */
  hideMyEmail?: boolean;
}

/** Apple's checks of a client secret, each one a reason for invalid_client. */
async function verifyClientSecret(
  secret: string,
  key: AppleClientKey,
  clientId: string,
  audience: string,
  now: number,
) {
  try {
    if (decodeProtectedHeader(secret).kid !== key.keyId) return false;
    const { payload } = await jwtVerify(secret, key.publicKey, {
      algorithms: ['ES256'],
      issuer: key.teamId,
      subject: clientId,
      audience,
      requiredClaims: ['iat', 'exp'],
      currentDate: new Date(now * 1000),
    });
    const iat = payload.iat ?? Number.NaN;
    const exp = payload.exp ?? Number.NaN;
    return iat <= now + 60 && exp - iat <= APPLE_CLIENT_SECRET_MAX_LIFETIME_S;
  } catch {
    return false;
  }
}

function splitName(name: string): { firstName: string; lastName: string } {
  const [firstName = '', ...rest] = name.split(' ');
  return { firstName, lastName: rest.join(' ') };
}

/**
 * An Apple double: issuer = origin, RS256 ID tokens, form_post answers with the `user` field the first time,
 * ES256 client-secret JWTs verified against `clientKey.publicKey`.
 */
export async function startAppleDouble(options: AppleDoubleOptions): Promise<UpstreamDouble<AppleBehaviour>> {
  const behaviour: AppleBehaviour = {};
  const now = () => Math.floor((options.now ?? Date.now)() / 1000);
  // What each user let this client have at their first authorization; Apple ignores later scope requests.
  const authorized = new Map<string, ReadonlySet<string>>();
  const email = (grant: Grant) =>
    options.hideMyEmail
      ? `${createHash('sha256').update(grant.user.sub).digest('hex').slice(0, 10)}@privaterelay.appleid.com`
      : grant.user.email;
  const op = await startMiniOp({
    ...options,
    behaviour,
    cookiePrefix: 'apple',
    rules: ({ origin }) => ({
      heading: 'Sign in with Apple',
      issuer: origin,
      paths: {
        discovery: '/.well-known/openid-configuration',
        authorization: '/auth/authorize',
        token: '/auth/token',
        jwks: '/auth/keys',
      },
      signingAlg: 'RS256',
      discovery: {
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        scopes_supported: ['openid', 'email', 'name'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
        claims_supported: [
          'aud',
          'email',
          'email_verified',
          'exp',
          'iat',
          'is_private_email',
          'iss',
          'nonce',
          'nonce_supported',
          'sub',
        ],
      },
      refuse: (params) => {
        const scopes = scopesOf(params);
        const asksForData = scopes.has('name') || scopes.has('email');
        if (asksForData && params.response_mode !== 'form_post')
          return 'response_mode must be form_post when name or email is requested.';
        if (params.response_mode === 'fragment') return 'response_mode fragment is not supported by this double.';
        return undefined;
      },
      mustLogIn: () => behaviour.rememberSession !== true,
      responseMode: (params) => (params.response_mode === 'form_post' ? 'form_post' : 'query'),
      cancelError: 'user_cancelled_authorize',
      onAuthorized: (grant): Record<string, string> => {
        if (authorized.has(grant.user.sub)) return {};
        authorized.set(grant.user.sub, grant.scopes);
        const user = {
          ...(grant.scopes.has('name') ? { name: splitName(grant.user.name) } : {}),
          ...(grant.scopes.has('email') ? { email: email(grant) } : {}),
        };
        return Object.keys(user).length > 0 ? { user: JSON.stringify(user) } : {};
      },
      authenticateClient: async ({ form, authorization }: ClientCredentials) => {
        if (authorization || !constantEquals(form.client_id ?? '', options.clientId)) return undefined;
        const valid = await verifyClientSecret(
          form.client_secret ?? '',
          options.clientKey,
          options.clientId,
          origin,
          now(),
        );
        return valid ? options.clientId : undefined;
      },
      idTokenClaims: (grant: Grant) => ({
        ...(authorized.get(grant.user.sub)?.has('email')
          ? { email: email(grant), email_verified: 'true', is_private_email: options.hideMyEmail ? 'true' : 'false' }
          : {}),
        auth_time: grant.authTime,
        nonce_supported: true,
      }),
    }),
  });
  return doubleOf(op, behaviour, (id, name) => ({
    id,
    name,
    type: 'apple',
    issuer: op.issuer,
    clientId: options.clientId,
    apple: {
      teamId: options.clientKey.teamId,
      keyId: options.clientKey.keyId,
      privateKeyFile: options.clientKey.privateKeyFile,
    },
  }));
}
