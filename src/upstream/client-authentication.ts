import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as oidc from 'openid-client';
import { SignJWT } from 'jose';
import type { UpstreamConfig } from '../config/index.ts';

/** How the broker authenticates to an upstream's token endpoint; `prepare` runs before each token request. */
export interface UpstreamClientAuthentication {
  auth: oidc.ClientAuth;
  prepare(): Promise<void>;
}

// Apple accepts client secrets valid for up to six months; a short one limits what a leaked secret is worth, and
// renewing it well before expiry keeps a request in flight from carrying a secret that expires on the way.
const APPLE_SECRET_LIFETIME_S = 60 * 60;
const APPLE_SECRET_RENEW_BEFORE_S = 15 * 60;

function readPrivateKey(file: string, key: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(file));
  } catch (error) {
    throw new Error(`${key}: cannot read a PKCS#8 private key from ${file} (${(error as Error).message})`);
  }
}

/**
 * Sign in with Apple's client secret: an ES256 JWT signed with the key Apple issued (iss = team id, sub = client id,
 * aud = https://appleid.apple.com), renewed before it expires.
 */
function appleClientSecret(
  upstream: UpstreamConfig,
  apple: NonNullable<UpstreamConfig['apple']>,
): UpstreamClientAuthentication {
  const key = readPrivateKey(apple.privateKeyFile, `upstreams.${upstream.id}.apple.privateKeyFile`);
  const audience = new URL(upstream.issuer).origin;
  let current: { secret: string; expiresAt: number } | undefined;
  return {
    async prepare() {
      const now = Math.floor(Date.now() / 1000);
      if (current && current.expiresAt - APPLE_SECRET_RENEW_BEFORE_S > now) return;
      const expiresAt = now + APPLE_SECRET_LIFETIME_S;
      const secret = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: apple.keyId })
        .setIssuer(apple.teamId)
        .setSubject(upstream.clientId)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(expiresAt)
        .sign(key);
      current = { secret, expiresAt };
    },
    auth(as, client, body, headers) {
      if (!current) throw new Error('the Apple client secret was not prepared');
      oidc.ClientSecretPost(current.secret)(as, client, body, headers);
    },
  };
}

const ready = async () => undefined;

/** RFC 7523 client assertions signed with the key registered at the provider (RS256 or ES256, by the key's type). */
function privateKeyJwt(upstream: UpstreamConfig): UpstreamClientAuthentication {
  const key = readPrivateKey(upstream.privateKeyFile ?? '', `upstreams.${upstream.id}.privateKeyFile`);
  const algorithm =
    key.asymmetricKeyType === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  let auth: oidc.ClientAuth | undefined;
  return {
    async prepare() {
      auth ??= oidc.PrivateKeyJwt({
        key: key.toCryptoKey(algorithm, false, ['sign']),
        ...(upstream.keyId ? { kid: upstream.keyId } : {}),
      });
    },
    auth(as, client, body, headers) {
      if (!auth) throw new Error('the client assertion key was not prepared');
      return auth(as, client, body, headers);
    },
  };
}

/** The client authentication an upstream entry asks for (`clientAuth`, or what its preset documents). */
export function upstreamClientAuthentication(upstream: UpstreamConfig): UpstreamClientAuthentication {
  if (upstream.apple) return appleClientSecret(upstream, upstream.apple);
  switch (upstream.clientAuth) {
    case 'client_secret_basic':
      return { auth: oidc.ClientSecretBasic(upstream.clientSecret), prepare: ready };
    case 'client_secret_post':
      return { auth: oidc.ClientSecretPost(upstream.clientSecret), prepare: ready };
    case 'private_key_jwt':
      return privateKeyJwt(upstream);
    case 'none':
      return { auth: oidc.None(), prepare: ready };
  }
}
