import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { isLoopbackUrl } from './loopback.ts';
import { proxyTrustOf, trustProxySetting } from './proxy-trust.ts';
import { MICROSOFT_CONSUMERS_TENANT, UPSTREAM_PRESETS } from './upstream-presets.ts';
import { EVERY_WEBHOOK_EVENT, WEBHOOK_EVENT_TYPES, webhookSecretProblem } from './webhook-settings.ts';
import { isIpLiteralHost, isPrivateNetworkAddress } from '../security/private-addresses.ts';

const MAX_LINK_TTL_MS = 24 * 3_600_000;

/**
 * An https URL, or http on a loopback host only: tokens and codes must never cross a network in clear, but tests
 * and the demo run every party on 127.0.0.1.
 */
const secureUrl = z.string({ error: 'must be a URL' }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL' });
    return;
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackUrl(url)) return;
  ctx.addIssue({ code: 'custom', message: 'must be an https URL (http is accepted on loopback hosts only)' });
});

/** Redirect targets may use custom schemes (native apps), but must be absolute URLs without a fragment. */
const redirectUri = z.string({ error: 'must be a URL' }).superRefine((value, ctx) => {
  try {
    if (new URL(value).hash) ctx.addIssue({ code: 'custom', message: 'must not contain a fragment' });
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL' });
  }
});

const duration = (max: number, maxText: string) =>
  z.string().transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30m, 1h or 1d' });
      return z.NEVER;
    }
    if (ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${maxText}` });
      return z.NEVER;
    }
    return ms;
  });

const email = z.email({ error: 'must be an e-mail address' });
const nonEmpty = z.string({ error: 'is required' }).min(1, { error: 'must not be empty' });
const positiveInt = z.number({ error: 'must be a number' }).int().positive();

/** WCAG 2.x relative luminance of a #rrggbb colour. */
function relativeLuminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** Contrast ratio of a colour against white: the brand colour is the background of white button text. */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (relativeLuminance(hex) + 0.05);
}

/**
 * The company's brand on every page and e-mail. The primary colour carries white text (buttons) and is used as
 * text on white (links), so it must reach WCAG AA for normal text, 4.5:1, or people with low vision lose the
 * button's label; a colour that does not is refused at start-up rather than shipped.
 */
const branding = z
  .strictObject({
    companyName: nonEmpty.describe('Shown above every page, in every footer and e-mail.'),
    logoUrl: secureUrl
      .optional()
      .describe("Replaces the company name above pages (https; its origin is allowed by the pages' img-src)."),
    primaryColor: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, { error: 'must be a colour like #0b5cad' })
      .superRefine((value, ctx) => {
        const ratio = contrastWithWhite(value);
        if (ratio < 4.5) {
          ctx.addIssue({
            code: 'custom',
            message: `has a contrast of ${ratio.toFixed(2)}:1 with white; at least 4.5:1 is needed`,
          });
        }
      })
      .default('#0b5cad')
      .describe(
        'Buttons and links (#rrggbb); needs at least 4.5:1 contrast with white, or the broker refuses to start.',
      ),
    supportUrl: secureUrl.optional().describe('Footer link on pages and e-mails.'),
    privacyUrl: secureUrl.optional().describe('Footer link on pages and e-mails.'),
    imprintUrl: secureUrl.optional().describe('Footer link on pages and e-mails.'),
  })
  .optional()
  .describe("The company's brand on every page and e-mail; without it pages and e-mails are plain.");

const clientAuthMethod = z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);

const upstreamEntry = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: 'must be lower-case letters, digits and dashes' })
    .describe(
      'Lower-case letters, digits and dashes; part of the redirect URI to register at the provider: {issuer}/upstream/{id}/callback.',
    ),
  name: nonEmpty.describe('Shown on the sign-in choice, on error pages and in e-mails.'),
  /** A preset fills in what the provider documents (see upstream-presets.ts); every value can still be set. */
  type: z
    .enum(['oidc', 'microsoft', 'google', 'apple'])
    .default('oidc')
    .describe(
      'A preset that fills in what the provider documents (issuer, scopes, client authentication, response mode, re-authentication); every value can still be set.',
    ),
  issuer: secureUrl
    .optional()
    .describe(
      "The provider's issuer; required for type oidc, the preset's otherwise. ID tokens of any other issuer are refused.",
    ),
  /** Where the discovery document lives when it is not under the issuer; the issuer is still checked. */
  discoveryUrl: secureUrl
    .optional()
    .describe(
      'Where the discovery document lives when it is not {issuer}/.well-known/openid-configuration; the issuer it names must still equal issuer.',
    ),
  /** Microsoft only: the tenant whose `tid` ID tokens must carry (personal accounts by default). */
  tenant: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: 'must be a tenant id (GUID)' })
    .optional()
    .describe('Microsoft only: a work tenant (GUID) whose tid ID tokens must carry, instead of personal accounts.'),
  clientId: nonEmpty.describe("The broker's client id at the provider."),
  clientSecret: nonEmpty.optional().describe('For the client_secret_* methods; use ${VAR} to keep it out of the file.'),
  clientAuth: clientAuthMethod
    .optional()
    .describe(
      "How the broker authenticates at the provider's token endpoint; the preset's by default (client_secret_basic for oidc).",
    ),
  /** private_key_jwt: PKCS#8 PEM file of the key registered at the provider, and its key id. */
  privateKeyFile: nonEmpty
    .optional()
    .describe('private_key_jwt: PKCS#8 PEM file of the key registered at the provider.')
    .meta({ advanced: true }),
  keyId: nonEmpty.optional().describe('private_key_jwt: the kid of that key.').meta({ advanced: true }),
  /** Apple only: the client secret is an ES256 JWT the broker signs with this key (Sign in with Apple). */
  apple: z
    .strictObject({
      teamId: nonEmpty.describe('Your Apple Developer team id.'),
      keyId: nonEmpty.describe('The id of the Sign in with Apple key.'),
      privateKeyFile: nonEmpty.describe('The .p8 file of that key.'),
    })
    .optional()
    .describe(
      'Apple only (required there): the key the broker signs its client secret with, an ES256 JWT renewed every hour.',
    ),
  scopes: z
    .array(nonEmpty)
    .refine((scopes) => scopes.includes('openid'), { error: 'must include openid' })
    .optional()
    .describe(
      "Scopes asked for; must include openid. The preset's by default (openid email profile; Apple: openid email name).",
    ),
  responseMode: z
    .enum(['query', 'form_post'])
    .optional()
    .describe("How the provider returns the code; the preset's by default (form_post for Apple).")
    .meta({ advanced: true }),
  reauthentication: z
    .strictObject({
      prompt: z.boolean().optional().describe('Send prompt=login when a fresh authentication is needed.'),
      maxAge: z.boolean().optional().describe('Send max_age as well, and expect auth_time back.'),
      promptLoginEnforced: z
        .boolean()
        .optional()
        .describe(
          'The provider documents that prompt=login always shows its login form: an ID token without auth_time, issued after such a request, proves a fresh login.',
        ),
    })
    .optional()
    .describe(
      "How a fresh authentication is asked for and proven (association confirmation, a portal's prompt=login or max_age); the preset's by default.",
    )
    .meta({ advanced: true }),
});

/** An upstream entry with its preset applied: every field the federation needs is set. */
const upstream = upstreamEntry.transform((entry, ctx) => {
  const preset = UPSTREAM_PRESETS[entry.type];
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const issuer = entry.issuer ?? preset.issuer?.(entry);
  if (!issuer) problem('issuer', 'is required for type oidc');
  if (entry.tenant && entry.type !== 'microsoft') problem('tenant', 'is only used with type microsoft');
  if (entry.apple && entry.type !== 'apple') problem('apple', 'is only used with type apple');
  if (entry.type === 'apple' && !entry.apple)
    problem('apple', 'is required with type apple (teamId, keyId, privateKeyFile)');
  const clientAuth = entry.clientAuth ?? preset.clientAuth;
  const secretMade = entry.type === 'apple';
  if (clientAuth === 'none' && entry.clientSecret) problem('clientSecret', 'must not be set with clientAuth none');
  if (clientAuth.startsWith('client_secret') && !entry.clientSecret && !secretMade) {
    problem('clientSecret', `is required with clientAuth ${clientAuth}`);
  }
  if (clientAuth === 'private_key_jwt' && !entry.privateKeyFile)
    problem('privateKeyFile', 'is required with clientAuth private_key_jwt');
  if (!issuer) return z.NEVER;
  const discoveryUrl = entry.discoveryUrl ?? preset.discoveryUrl?.(entry);
  return {
    ...entry,
    issuer,
    ...(discoveryUrl ? { discoveryUrl } : {}),
    ...(entry.type === 'microsoft' ? { tenant: entry.tenant ?? MICROSOFT_CONSUMERS_TENANT } : {}),
    clientAuth,
    scopes: entry.scopes ?? preset.scopes,
    responseMode: entry.responseMode ?? preset.responseMode,
    reauthentication: { ...preset.reauthentication, ...entry.reauthentication },
  };
});

const signingAlgorithm = z.enum(['ES256', 'RS256']);

/** An origin as browsers send it in `Origin`: scheme, host and port, nothing else. */
const origin = secureUrl.refine((value) => URL.parse(value)?.origin === value, {
  error: 'must be an origin (scheme://host[:port], no path or trailing slash)',
});

/** A public JWK set a portal authenticates with (`private_key_jwt`): public keys only. */
const publicJwks = z.strictObject({
  keys: z
    .array(
      z
        .looseObject({
          kty: nonEmpty.describe('The key type (EC, RSA, OKP); the other members as RFC 7517 defines them.'),
        })
        .refine((jwk) => !('d' in jwk), { error: 'must hold public keys only (no "d")' }),
    )
    .min(1, { error: 'must list at least one key' })
    .describe('Public JWKs, at least one.'),
});

/** Which client authentication methods carry a secret (RFC 6749 2.3.1). */
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);

/**
 * RFC 8252: a native app receives the code on a loopback IP literal (any port, chosen at run time), a private-use
 * scheme in reverse-domain form (7.1), or a claimed https URL. `localhost` is refused (8.3: it may resolve off-host).
 */
function nativeRedirectProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined; // redirectUri already reports it
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return url.hostname === '127.0.0.1' || url.hostname === '[::1]'
      ? undefined
      : 'must use the loopback IP 127.0.0.1 or [::1] for http on a native client (RFC 8252 7.3)';
  }
  return url.protocol.slice(0, -1).includes('.')
    ? undefined
    : 'must use a reverse-domain private-use scheme such as com.example.app: (RFC 8252 7.1)';
}

const client = z
  .strictObject({
    clientId: nonEmpty.describe("The portal's client id."),
    /** Required for the secret methods, refused for `none` and `private_key_jwt` (checked below). */
    clientSecret: nonEmpty
      .min(16, { error: 'must be at least 16 characters' })
      .optional()
      .describe('At least 16 characters; required for the client_secret_* methods only.'),
    name: nonEmpty.describe('Shown on the broker\'s pages ("Sign in to CustomerSource") and in e-mails.'),
    redirectUris: z
      .array(redirectUri)
      .min(1, { error: 'must list at least one URI' })
      .describe('Absolute URIs without a fragment; custom schemes for native apps.'),
    postLogoutRedirectUris: z.array(redirectUri).default([]).describe('Where RP-initiated logout may return to.'),
    /** Where a person is sent when the original authorization request can no longer be resumed. */
    homeUrl: redirectUri
      .optional()
      .describe('Where a person continues when the original authorization request can no longer be resumed.'),
    /**
     * The portal's own "sign in" start (OpenID Connect Core 4, `initiate_login_uri`): after an association the
     * person continues here, with `iss`, and the portal starts a sign-in that now succeeds.
     */
    initiateLoginUri: secureUrl
      .optional()
      .describe(
        'OpenID Connect initiate_login_uri: after an association confirmed in another browser the person continues here (with ?iss=) and the portal starts a sign-in; else homeUrl.',
      ),
    requires: z
      .strictObject({
        plans: z.array(nonEmpty).min(1).describe('Plan types; an active plan of one of them is required.'),
      })
      .optional()
      .describe(
        'An account without an active plan of these types gets access_denied, never a code, and is shown as unavailable on the account choice.',
      ),
    consent: z
      .boolean()
      .default(false)
      .describe('Ask for consent; configured portals are first-party and skip it by default.'),
    subjectType: z
      .enum(['public', 'pairwise'])
      .default('public')
      .describe('pairwise gives the portal a sub of its own for each person (needs pairwiseSalt).'),
    tokenEndpointAuthMethod: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'])
      .default('client_secret_basic')
      .describe(
        'How the portal authenticates at the token endpoint: a secret in the header or the body (the broker accepts either place), a JWT signed with its key (jwks or jwksUri), or none for public clients (single-page and native apps).',
      ),
    /** `private_key_jwt`: the portal's public keys, inline or where the broker fetches them. */
    jwks: publicJwks.optional().describe("private_key_jwt: the portal's public keys (no private members)."),
    jwksUri: secureUrl
      .optional()
      .describe("private_key_jwt: where the broker fetches the portal's public keys instead."),
    applicationType: z
      .enum(['web', 'native'])
      .default('web')
      .describe(
        'native (RFC 8252): redirect URIs on http://127.0.0.1 or [::1] with any port, or a reverse-domain scheme such as com.example.app:/callback.',
      ),
    /** RS256 when left out (the OpenID Connect default); ES256 for a portal that registers it. */
    idTokenSignedResponseAlg: signingAlgorithm
      .optional()
      .describe(
        "The algorithm of the portal's ID tokens. Without it the portal gets RS256, the OpenID Connect default; ES256 for portals that accept it.",
      ),
    /** Browser origins allowed to call the token, userinfo and revocation endpoints (CORS); public clients only. */
    allowedOrigins: z
      .array(origin)
      .default([])
      .describe(
        'Public clients only: browser origins allowed to call the token, userinfo and revocation endpoints (CORS).',
      ),
    /** Receives a signed logout token when the person's broker session ends (OpenID Connect Back-Channel Logout). */
    backchannelLogoutUri: secureUrl
      .optional()
      .describe(
        "The broker POSTs a signed logout_token (with sid and sub) here when the person's broker session ends, in the background with retries.",
      ),
    /** Loaded in an iframe of the signed-out page (OpenID Connect Front-Channel Logout). */
    frontchannelLogoutUri: secureUrl
      .optional()
      .describe('Loaded in an iframe of the signed-out page, with iss and sid.'),
  })
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const method = c.tokenEndpointAuthMethod;
    if (SECRET_METHODS.has(method) && !c.clientSecret)
      problem('clientSecret', `is required with tokenEndpointAuthMethod ${method}`);
    if (!SECRET_METHODS.has(method) && c.clientSecret) {
      problem('clientSecret', `must not be set with tokenEndpointAuthMethod ${method} (the client holds no secret)`);
    }
    if (method === 'private_key_jwt' && !c.jwks === !c.jwksUri) {
      problem('jwks', 'exactly one of jwks or jwksUri is required with tokenEndpointAuthMethod private_key_jwt');
    }
    if (method !== 'private_key_jwt' && (c.jwks || c.jwksUri)) {
      problem(c.jwks ? 'jwks' : 'jwksUri', 'is used only with tokenEndpointAuthMethod private_key_jwt');
    }
    if (c.allowedOrigins.length > 0 && method !== 'none') {
      problem('allowedOrigins', 'is for browser apps, which hold no secret: set tokenEndpointAuthMethod none');
    }
    if (c.applicationType === 'native') {
      c.redirectUris.forEach((uri, i) => {
        const message = nativeRedirectProblem(uri);
        if (message) ctx.addIssue({ code: 'custom', path: ['redirectUris', i], message });
      });
    }
  });

/**
 * An endpoint of the customer system that receives events (Standard Webhooks). The signing secret is given in the
 * file (usually as `${VAR}`, like every other secret) or read from a file at start-up (a mounted secret).
 */
const webhookEndpoint = z
  .strictObject({
    url: secureUrl.describe(
      'Where the broker POSTs the events, signed (https, or http on loopback hosts only). Redirects are not followed.',
    ),
    secret: nonEmpty
      .superRefine((value, ctx) => {
        const problem = webhookSecretProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'The signing secret shared with the receiver, whsec_ and 24 to 64 random bytes in base64 (Standard Webhooks); use ${VAR}, or secretFile.',
      ),
    secretFile: nonEmpty
      .optional()
      .describe('Or a file holding that secret (a mounted secret), read at start-up.')
      .meta({ advanced: true }),
    previousSecret: nonEmpty
      .superRefine((value, ctx) => {
        const problem = webhookSecretProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'While rotating: the secret being replaced. Every delivery is signed with both (two signatures in webhook-signature), so the receiver can switch to the new one at any time; remove it once it has.',
      )
      .meta({ advanced: true }),
    events: z
      .array(
        z.enum([...WEBHOOK_EVENT_TYPES, EVERY_WEBHOOK_EVENT], {
          error: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}, or "${EVERY_WEBHOOK_EVENT}" for all`,
        }),
      )
      .min(1, { error: 'must list at least one event' })
      .describe(
        `The events this endpoint receives (docs/webhooks.md), or ["${EVERY_WEBHOOK_EVENT}"] for every event, including those later versions add.`,
      ),
    allowPrivateNetwork: z
      .boolean()
      .default(false)
      .describe(
        "Deliver even when the URL's host resolves to a private, loopback or link-local address (checked at every send, after DNS). Off: such deliveries are refused, so a DNS name cannot turn the broker against its own network.",
      ),
  })
  .superRefine((endpoint, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (endpoint.secret === undefined && endpoint.secretFile === undefined)
      problem('secret', 'is required (or secretFile)');
    if (endpoint.secret !== undefined && endpoint.secretFile !== undefined) {
      problem('secretFile', 'cannot be used together with secret');
    }
    if (endpoint.previousSecret !== undefined && endpoint.previousSecret === endpoint.secret) {
      problem('previousSecret', 'is the same as secret: set the new secret in secret');
    }
    if (endpoint.events.includes(EVERY_WEBHOOK_EVENT) && endpoint.events.length > 1) {
      problem('events', `"${EVERY_WEBHOOK_EVENT}" already means every event: list it alone`);
    }
    const repeated = endpoint.events.filter((event, i) => endpoint.events.indexOf(event) !== i);
    if (repeated.length > 0) problem('events', `lists ${repeated.join(', ')} twice`);
    const url = URL.parse(endpoint.url);
    const privateHost = url && (isLoopbackUrl(url) || (isIpLiteralHost(url) && isPrivateNetworkAddress(url.hostname)));
    if (privateHost && !endpoint.allowPrivateNetwork) {
      problem('url', 'names a private or loopback address: set allowPrivateNetwork: true to deliver there');
    }
  });

const tcpPort = z.coerce.number({ error: 'must be a port number' }).int().min(1).max(65_535);

const redisSettings = z
  .strictObject({
    /** One Redis server. */
    url: z
      .string()
      .regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' })
      .optional()
      .describe('One Redis server: redis://:password@host:6379/0, or rediss:// for TLS.'),
    /** Or Redis Sentinel: the sentinels to ask, and the name of the monitored primary (`sentinel monitor <name>`). */
    sentinels: z
      .array(
        z.strictObject({
          host: nonEmpty.describe("A Sentinel's host."),
          port: tcpPort.default(26_379).describe('Its port.'),
        }),
      )
      .min(1)
      .optional()
      .describe(
        'High availability instead of url (and without REDIS_URL): the Sentinels to ask. After a failover the broker reconnects to the new primary by itself.',
      ),
    name: nonEmpty.optional().describe("With sentinels: the primary's name (sentinel monitor <name> ...)."),
    /** Or Redis Cluster: some of its nodes; the client learns the others, and follows failovers, from them. */
    cluster: z
      .strictObject({
        nodes: z
          .array(
            z.string().regex(/^(rediss?:\/\/)?[^\s/@]+:\d{1,5}$/, {
              error: 'must be host:port (or rediss://host:port for TLS)',
            }),
          )
          .min(1)
          .describe(
            'Cluster nodes to start from, host:port (rediss://host:port for TLS); env REDIS_CLUSTER_NODES, comma-separated',
          ),
      })
      .optional()
      .describe('Redis Cluster instead of url or sentinels'),
    /** Password of the Redis servers behind the sentinels or of the cluster's nodes (with `url`, put it in the URL). */
    password: nonEmpty
      .optional()
      .describe('With sentinels or cluster: the password of the Redis servers (with url, put it in the URL).'),
    /** Password of the sentinels themselves, when they require one. */
    sentinelPassword: nonEmpty.optional().describe('The password of the Sentinels themselves, when they require one.'),
    /** Prefix of every key the broker writes, for a Redis shared with other applications (or test runs). */
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9:_-]*$/, { error: 'must be letters, digits, ":", "_" or "-"' })
      .default('')
      .describe('Prefix of every key the broker writes, for a Redis shared with other applications (or test runs).'),
  })
  .superRefine((redis, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (!redis.url && !redis.sentinels && !redis.cluster) {
      problem('url', 'is required (or redis.sentinels with redis.name, or redis.cluster.nodes)');
    }
    if (redis.url && redis.sentinels) problem('sentinels', 'cannot be used together with redis.url (or REDIS_URL)');
    if (redis.cluster && (redis.url || redis.sentinels)) {
      problem('cluster', 'cannot be used together with redis.url (or REDIS_URL) or redis.sentinels');
    }
    const schemes = new Set(redis.cluster?.nodes.map((node) => node.startsWith('rediss://')));
    if (schemes.size > 1) problem('cluster', 'nodes must all use TLS (rediss://) or none');
    if (redis.sentinels && !redis.name) problem('name', "is required with redis.sentinels (the primary's name)");
    if (!redis.sentinels && (redis.name || redis.sentinelPassword)) {
      problem(redis.name ? 'name' : 'sentinelPassword', 'is only used with redis.sentinels');
    }
  });

const validatedConfig = z
  .strictObject({
    issuer: secureUrl.describe(
      'Public base URL of the broker: the issuer portals discover, and the base of every URL it writes. https, or http on loopback hosts only.',
    ),
    port: z.coerce.number().int().min(1).max(65_535).default(3000).describe('TCP port of the public listener.'),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Level of the JSON log lines (pino).'),
    /** How long tokens may reuse a customer account read from MongoDB (claims, entitlement); 0s reads every time. */
    accountCacheTtl: z
      .string()
      .transform((value, ctx) => {
        const ms = value.trim() === '0s' ? 0 : parseDuration(value);
        if (ms === undefined || ms > 300_000) {
          ctx.addIssue({ code: 'custom', message: 'must be a duration from 0s to 5m' });
          return z.NEVER;
        }
        return ms;
      })
      .default(5_000)
      .describe(
        "How long sign-ins and tokens may reuse an identity and a person's accounts, contacts and memberships read from MongoDB, per process. Changes made through the broker reach every process at once over Redis publish/subscribe; this bounds only changes made behind its back (npm run accounts without Redis, a database edit). 0s reads every time; at most 5m.",
      ),
    /** Broker processes on this machine (`npm start` forks them), sharing the port, Redis and MongoDB. */
    workers: z.coerce
      .number({ error: 'must be a whole number from 1 to 64' })
      .int({ error: 'must be a whole number from 1 to 64' })
      .min(1, { error: 'must be a whole number from 1 to 64' })
      .max(64, { error: 'must be a whole number from 1 to 64' })
      .default(1)
      .describe(
        'Broker processes on this machine (1 to 64): npm start forks that many, sharing the ports, Redis and MongoDB; one per core.',
      ),
    metrics: z
      .strictObject({
        /** Serve Prometheus metrics at /metrics on the management listener. */
        enabled: z.boolean().default(true).describe('Serve Prometheus metrics at /metrics on the management listener.'),
        /** When set, /metrics is also served on the public listener, only to `Authorization: Bearer <token>`. */
        bearerToken: nonEmpty
          .min(16, { error: 'must be at least 16 characters' })
          .optional()
          .describe(
            'At least 16 characters: /metrics is then also served on the public listener, only to Authorization: Bearer <token>.',
          ),
      })
      .prefault({})
      .describe(
        'Prometheus metrics (HTTP latency by route, sign-in outcomes, association steps, refusals by code, e-mail attempts by outcome, process metrics).',
      ),
    /** A listener of its own for /metrics, /healthz and /readyz, never behind the public ingress (like Keycloak's). */
    management: z
      .strictObject({
        port: tcpPort
          .optional()
          .describe(
            'Port of the management listener; without it there is none, and /metrics is served only with metrics.bearerToken.',
          ),
        host: nonEmpty
          .default('127.0.0.1')
          .describe('Its address; 0.0.0.0 in a container, where the scraper is another host.'),
      })
      .prefault({})
      .describe('A listener of its own for /metrics, /healthz and /readyz; never route public traffic to it.'),
    /** The reverse proxies in front of the broker: how many, or their addresses (see proxy-trust.ts). */
    trustProxy: trustProxySetting
      .default(false)
      .describe(
        'The reverse proxies whose X-Forwarded-For is believed: how many (1, 2, ...), or their addresses and CIDR ranges; false: none, the client is the TCP peer. An https issuer needs its TLS proxy named here.',
      ),
    mongodb: z
      .strictObject({
        uri: z
          .string()
          .regex(/^mongodb(\+srv)?:\/\//, { error: 'must be a mongodb:// or mongodb+srv:// URI' })
          .describe(
            'mongodb:// or mongodb+srv://; for a replica set name all members (...?replicaSet=rs0). Transactions are not required.',
          ),
      })
      .describe('Accounts, contacts, people, identities, memberships, pending associations, outbox, audit.'),
    redis: redisSettings.describe(
      'Sessions, interactions, codes and tokens, upstream login transactions, rate-limit counters (all with TTLs). Run it with persistence (AOF): it holds 14-day refresh tokens.',
    ),
    tracing: z
      .strictObject({
        /** OpenTelemetry collector (OTLP/HTTP base URL, e.g. http://collector:4318); env OTEL_EXPORTER_OTLP_ENDPOINT. */
        otlpEndpoint: z
          .string()
          .regex(/^https?:\/\//, { error: 'must be an http:// or https:// URL' })
          .optional()
          .describe(
            'OpenTelemetry collector, OTLP over HTTP (base URL); tracing is off without it; env OTEL_EXPORTER_OTLP_ENDPOINT',
          ),
      })
      .prefault({})
      .describe(
        'OpenTelemetry traces: a span per request, upstream call, Redis and MongoDB round trip and mail delivery',
      ),
    cookieKeys: z
      .array(nonEmpty.min(32, { error: 'must be at least 32 characters' }))
      .min(1, { error: 'must list at least one key' })
      .describe(
        "Keys signing the broker's cookies (at least 32 characters each): the first signs, all verify; prepend a new key to rotate. They also seal the links of queued e-mails: keep a rotated-out key listed for a day.",
      ),
    /** Secret that makes pairwise subjects unguessable; required once a client uses `subjectType: pairwise`. */
    pairwiseSalt: nonEmpty
      .min(32, { error: 'must be at least 32 characters' })
      .optional()
      .describe(
        'Secret for pairwise subjects, at least 32 characters; required when a client sets subjectType pairwise. Never change it once used: every pairwise sub would change.',
      ),
    keys: z
      .strictObject({
        /** JWKS file holding the private signing keys; created by `npm run keys -- generate`. */
        file: nonEmpty
          .default('.data/keys/jwks.json')
          .describe(
            'Private JWKS of the token signing keys (an RS256 and an ES256 key), created by npm run keys -- generate; mode 0600, outside the code, in your backups.',
          ),
        algorithm: signingAlgorithm
          .default('ES256')
          .describe(
            'The signing algorithm the key file must hold besides RS256: ID tokens and logout tokens of portals that register it as idTokenSignedResponseAlg are signed with it; portals that name none get RS256 (the OpenID Connect default). Discovery lists both algorithms.',
          ),
        /** Development convenience: create the file on first start when it is missing. */
        generateIfMissing: z
          .boolean()
          .default(false)
          .describe('Create the key file (both keys) at first start when it is missing: development only.'),
      })
      .prefault({})
      .describe(
        'The token signing keys. The broker refuses to start, naming the file, when an algorithm in use has no signing key.',
      ),
    upstreams: z
      .array(upstream)
      .min(1, { error: 'must list at least one upstream identity provider' })
      .describe('The consumer identity providers customers sign in with (docs/upstreams.md).'),
    clients: z
      .array(client)
      .min(1, { error: 'must list at least one client' })
      .describe(
        "The portals (relying parties), with OpenID Connect's client registration metadata in camelCase. All use the code flow with PKCE (docs/portals.md).",
      ),
    mail: z
      .strictObject({
        from: z
          .strictObject({ email: email.describe('Sender address.'), name: nonEmpty.describe('Sender name.') })
          .describe('The sender of every e-mail.'),
        support: nonEmpty.describe(
          'Where people who don\'t know their registered address are sent, and where "Ask support" requests are mailed.',
        ),
        transport: z
          .enum(['sendgrid', 'dev'])
          .describe('sendgrid sends; dev sends nothing and shows the messages at /dev/mailbox (development only).'),
        sendgrid: z
          .strictObject({
            apiKey: nonEmpty.describe('The SendGrid API key; use ${VAR}.'),
            baseUrl: z
              .url()
              .default('https://api.sendgrid.com')
              .describe("https://api.eu.sendgrid.com for SendGrid's EU data residency."),
          })
          .optional()
          .describe('Required with transport sendgrid.'),
        /** How often the outbox worker looks for due messages. */
        pollInterval: duration(3_600_000, '1h')
          .default(5_000)
          .describe('How often the outbox worker looks for due e-mails; at most 1h.'),
        retry: z
          .strictObject({
            /** Attempts before a message is marked failed (and audited). */
            maxAttempts: positiveInt.default(8).describe('Attempts before a message is marked failed and audited.'),
            /** Delay before the first retry; doubled after each failed attempt. */
            initialDelay: duration(3_600_000, '1h')
              .default(30_000)
              .describe(
                'Delay before the first retry, doubled after each failed attempt (30s, 1m, 2m, ...); at most 1h.',
              ),
          })
          .prefault({})
          .describe("Retries of a failed send (a provider's Retry-After is honoured)."),
      })
      .superRefine((mail, ctx) => {
        if (mail.transport === 'sendgrid' && !mail.sendgrid) {
          ctx.addIssue({ code: 'custom', path: ['sendgrid'], message: 'is required when transport is sendgrid' });
        }
      })
      .describe('E-mail: the outbox, its worker and the transport.'),
    linking: z
      .strictObject({
        linkTtl: duration(MAX_LINK_TTL_MS, '24h')
          .default(3_600_000)
          .describe('Lifetime of an e-mailed link: 30m, 1h, ... at most 24h.'),
        limits: z
          .strictObject({
            perIdentity: positiveInt.default(5).describe('Per upstream identity.'),
            perAddress: positiveInt.default(5).describe('Per entered e-mail address, registered or not.'),
            perIp: positiveInt.default(30).describe('Per client IP.'),
          })
          .prefault({})
          .describe('Association (and "Ask support") requests per hour; past one: "try again later".'),
      })
      .prefault({})
      .describe('The first-login association.'),
    /** The company's name, logo, colour and footer links on every page and e-mail. */
    branding,
    /** Who may use the admin API (issue 13): clients that obtain access tokens with the client-credentials grant. */
    admin: z
      .strictObject({
        clients: z
          .array(
            z.strictObject({
              clientId: nonEmpty.describe('Its tokens name this client; every change is audited with it.'),
              clientSecret: nonEmpty
                .min(32, { error: 'must be at least 32 characters' })
                .describe('At least 32 characters.'),
              name: nonEmpty.optional().describe('A name for people reading the audit trail.'),
              /** `support` reads, resends and cancels; `admin` also changes accounts, links and unlinks. */
              role: z
                .enum(['support', 'admin'], { error: 'must be support or admin' })
                .describe(
                  'support reads, resends and cancels links and retries e-mails; admin also changes accounts and contacts, links and unlinks sign-ins.',
                ),
            }),
          )
          .default([])
          .describe(
            'Tools that call the admin API with client-credentials tokens from /token. Without entries the grant is off and every admin call gets 401.',
          ),
        /**
         * The support console at /admin: staff sign in through the company's own upstream (its workforce
         * directory), never through a customer upstream; only the people listed here get in, with their role.
         */
        console: z
          .strictObject({
            upstream: upstream.describe(
              "The staff upstream (the company's workforce directory), with a client whose redirect URI is {issuer}/admin/callback.",
            ),
            staff: z
              .array(
                z
                  .strictObject({
                    /** The staff member's `sub` at the console upstream (preferred: it never changes). */
                    subject: nonEmpty
                      .optional()
                      .describe("The staff member's sub at the console upstream (preferred: it never changes)."),
                    /** Or the address the console upstream asserts (`email`, verified). */
                    email: email
                      .optional()
                      .describe('Or the address the console upstream asserts, only with email_verified.'),
                    name: nonEmpty.optional().describe('Shown in the console and the audit trail.'),
                    role: z
                      .enum(['support', 'admin'], { error: 'must be support or admin' })
                      .describe('support or admin, as for admin.clients.'),
                  })
                  .refine((s) => s.subject !== undefined || s.email !== undefined, {
                    error: 'needs a subject or an email',
                  }),
              )
              .min(1, { error: 'must list at least one staff member' })
              .describe('Only these get in; looked up again on every request.'),
            /** How long a console session lasts from sign-in; staff then sign in again. */
            sessionTtl: duration(12 * 3_600_000, '12h')
              .default(3_600_000)
              .describe("A console session's lifetime from sign-in, never extended; at most 12h."),
          })
          .optional()
          .describe('The support console at /admin; without it /admin answers 404.'),
      })
      .prefault({})
      .describe('The admin API at /admin/api/v1 and the support console (docs/support.md).'),
    webhooks: z
      .array(webhookEndpoint)
      .default([])
      .describe(
        'Endpoints of the customer system (a CRM) that receive signed events: associations, sign-ins removed, memberships, support requests, account changes (docs/webhooks.md). Delivered from MongoDB, at least once, with retries; without entries no event is kept.',
      ),
  })
  .superRefine((config, ctx) => {
    const duplicates = (values: string[]) => values.filter((v, i) => values.indexOf(v) !== i);
    for (const id of duplicates(config.upstreams.map((u) => u.id))) {
      ctx.addIssue({ code: 'custom', path: ['upstreams'], message: `id "${id}" is used twice` });
    }
    if (!config.pairwiseSalt && config.clients.some((c) => c.subjectType === 'pairwise')) {
      ctx.addIssue({
        code: 'custom',
        path: ['pairwiseSalt'],
        message: 'is required when a client uses subjectType pairwise',
      });
    }
    for (const id of duplicates(config.clients.map((c) => c.clientId))) {
      ctx.addIssue({ code: 'custom', path: ['clients'], message: `clientId "${id}" is used twice` });
    }
    // Admin clients are clients of the same provider: one id must not name a portal and an admin tool.
    const portalIds = new Set(config.clients.map((c) => c.clientId));
    const adminIds = config.admin.clients.map((c) => c.clientId);
    for (const id of new Set([...duplicates(adminIds), ...adminIds.filter((a) => portalIds.has(a))])) {
      ctx.addIssue({ code: 'custom', path: ['admin', 'clients'], message: `clientId "${id}" is used twice` });
    }
    // A delivery names its endpoint by URL (the secret is looked up by it at each send): one entry per URL.
    const webhookUrls = config.webhooks.map((w) => w.url);
    webhookUrls.forEach((url, i) => {
      if (webhookUrls.indexOf(url) !== i) {
        ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'url'], message: 'is configured twice' });
      }
    });
  });

/**
 * `trustProxy` as the HTTP layer needs it (`proxyTrust`), kept as a flag under its own name for code that only asks
 * whether any proxy is trusted. The broker speaks plain HTTP: an https issuer means TLS ends at a proxy, which must
 * then be trusted, or X-Forwarded-For would be ignored and the issuer's scheme would be a promise nobody keeps.
 */
export const configSchema = validatedConfig.transform(({ trustProxy, ...config }, ctx) => {
  const proxyTrust = proxyTrustOf(trustProxy);
  if (config.issuer.startsWith('https:') && !proxyTrust) {
    ctx.addIssue({
      code: 'custom',
      path: ['trustProxy'],
      message: 'must name the TLS proxy in front of the broker when the issuer is https (e.g. trustProxy: 1)',
    });
  }
  return { ...config, trustProxy: proxyTrust !== null, proxyTrust };
});

export type BrokerConfig = z.output<typeof configSchema>;
export type UpstreamConfig = BrokerConfig['upstreams'][number];
export type ClientConfig = BrokerConfig['clients'][number];
export type AdminClientConfig = BrokerConfig['admin']['clients'][number];
export type WebhookConfig = BrokerConfig['webhooks'][number];
