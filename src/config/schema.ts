import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { isLoopbackUrl } from './loopback.ts';
import { proxyTrustOf, trustProxySetting } from './proxy-trust.ts';
import { MICROSOFT_CONSUMERS_TENANT, UPSTREAM_PRESETS } from './upstream-presets.ts';

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
    companyName: nonEmpty,
    logoUrl: secureUrl.optional(),
    primaryColor: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, { error: 'must be a colour like #0b5cad' })
      .superRefine((value, ctx) => {
        const ratio = contrastWithWhite(value);
        if (ratio < 4.5) {
          ctx.addIssue({ code: 'custom', message: `has a contrast of ${ratio.toFixed(2)}:1 with white; at least 4.5:1 is needed` });
        }
      })
      .default('#0b5cad'),
    supportUrl: secureUrl.optional(),
    privacyUrl: secureUrl.optional(),
    imprintUrl: secureUrl.optional(),
  })
  .optional();

const clientAuthMethod = z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);

const upstreamEntry = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: 'must be lower-case letters, digits and dashes' }),
  name: nonEmpty,
  /** A preset fills in what the provider documents (see upstream-presets.ts); every value can still be set. */
  type: z.enum(['oidc', 'microsoft', 'google', 'apple']).default('oidc'),
  issuer: secureUrl.optional(),
  /** Where the discovery document lives when it is not under the issuer; the issuer is still checked. */
  discoveryUrl: secureUrl.optional(),
  /** Microsoft only: the tenant whose `tid` ID tokens must carry (personal accounts by default). */
  tenant: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: 'must be a tenant id (GUID)' }).optional(),
  clientId: nonEmpty,
  clientSecret: nonEmpty.optional(),
  clientAuth: clientAuthMethod.optional(),
  /** private_key_jwt: PKCS#8 PEM file of the key registered at the provider, and its key id. */
  privateKeyFile: nonEmpty.optional(),
  keyId: nonEmpty.optional(),
  /** Apple only: the client secret is an ES256 JWT the broker signs with this key (Sign in with Apple). */
  apple: z.strictObject({ teamId: nonEmpty, keyId: nonEmpty, privateKeyFile: nonEmpty }).optional(),
  scopes: z
    .array(nonEmpty)
    .refine((scopes) => scopes.includes('openid'), { error: 'must include openid' })
    .optional(),
  responseMode: z.enum(['query', 'form_post']).optional(),
  reauthentication: z
    .strictObject({ prompt: z.boolean().optional(), maxAge: z.boolean().optional(), promptLoginEnforced: z.boolean().optional() })
    .optional(),
});

/** An upstream entry with its preset applied: every field the federation needs is set. */
const upstream = upstreamEntry.transform((entry, ctx) => {
  const preset = UPSTREAM_PRESETS[entry.type];
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const issuer = entry.issuer ?? preset.issuer?.(entry);
  if (!issuer) problem('issuer', 'is required for type oidc');
  if (entry.tenant && entry.type !== 'microsoft') problem('tenant', 'is only used with type microsoft');
  if (entry.apple && entry.type !== 'apple') problem('apple', 'is only used with type apple');
  if (entry.type === 'apple' && !entry.apple) problem('apple', 'is required with type apple (teamId, keyId, privateKeyFile)');
  const clientAuth = entry.clientAuth ?? preset.clientAuth;
  const secretMade = entry.type === 'apple';
  if (clientAuth === 'none' && entry.clientSecret) problem('clientSecret', 'must not be set with clientAuth none');
  if (clientAuth.startsWith('client_secret') && !entry.clientSecret && !secretMade) {
    problem('clientSecret', `is required with clientAuth ${clientAuth}`);
  }
  if (clientAuth === 'private_key_jwt' && !entry.privateKeyFile) problem('privateKeyFile', 'is required with clientAuth private_key_jwt');
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
      z.looseObject({ kty: nonEmpty }).refine((jwk) => !('d' in jwk), { error: 'must hold public keys only (no "d")' }),
    )
    .min(1, { error: 'must list at least one key' }),
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
    clientId: nonEmpty,
    /** Required for the secret methods, refused for `none` and `private_key_jwt` (checked below). */
    clientSecret: nonEmpty.min(16, { error: 'must be at least 16 characters' }).optional(),
    name: nonEmpty,
    redirectUris: z.array(redirectUri).min(1, { error: 'must list at least one URI' }),
    postLogoutRedirectUris: z.array(redirectUri).default([]),
    /** Where a person is sent when the original authorization request can no longer be resumed. */
    homeUrl: redirectUri.optional(),
    /**
     * The portal's own "sign in" start (OpenID Connect Core 4, `initiate_login_uri`): after an association the
     * person continues here, with `iss`, and the portal starts a sign-in that now succeeds.
     */
    initiateLoginUri: secureUrl.optional(),
    requires: z.strictObject({ plans: z.array(nonEmpty).min(1) }).optional(),
    consent: z.boolean().default(false),
    subjectType: z.enum(['public', 'pairwise']).default('public'),
    tokenEndpointAuthMethod: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'])
      .default('client_secret_basic'),
    /** `private_key_jwt`: the portal's public keys, inline or where the broker fetches them. */
    jwks: publicJwks.optional(),
    jwksUri: secureUrl.optional(),
    applicationType: z.enum(['web', 'native']).default('web'),
    /** Defaults to keys.algorithm; RS256 for libraries that accept nothing else. */
    idTokenSignedResponseAlg: signingAlgorithm.optional(),
    /** Browser origins allowed to call the token, userinfo and revocation endpoints (CORS); public clients only. */
    allowedOrigins: z.array(origin).default([]),
    /** Receives a signed logout token when the person's broker session ends (OpenID Connect Back-Channel Logout). */
    backchannelLogoutUri: secureUrl.optional(),
    /** Loaded in an iframe of the signed-out page (OpenID Connect Front-Channel Logout). */
    frontchannelLogoutUri: secureUrl.optional(),
  })
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const method = c.tokenEndpointAuthMethod;
    if (SECRET_METHODS.has(method) && !c.clientSecret) problem('clientSecret', `is required with tokenEndpointAuthMethod ${method}`);
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

const tcpPort = z.coerce.number({ error: 'must be a port number' }).int().min(1).max(65_535);

const redisSettings = z
  .strictObject({
    /** One Redis server. */
    url: z.string().regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' }).optional(),
    /** Or Redis Sentinel: the sentinels to ask, and the name of the monitored primary (`sentinel monitor <name>`). */
    sentinels: z.array(z.strictObject({ host: nonEmpty, port: tcpPort.default(26_379) })).min(1).optional(),
    name: nonEmpty.optional(),
    /** Or Redis Cluster: some of its nodes; the client learns the others, and follows failovers, from them. */
    cluster: z
      .strictObject({
        nodes: z
          .array(
            z.string().regex(/^(rediss?:\/\/)?[^\s/@]+:\d{1,5}$/, { error: 'must be host:port (or rediss://host:port for TLS)' }),
          )
          .min(1)
          .describe('Cluster nodes to start from, host:port (rediss://host:port for TLS); env REDIS_CLUSTER_NODES, comma-separated'),
      })
      .optional()
      .describe('Redis Cluster instead of url or sentinels'),
    /** Password of the Redis servers behind the sentinels or of the cluster's nodes (with `url`, put it in the URL). */
    password: nonEmpty.optional(),
    /** Password of the sentinels themselves, when they require one. */
    sentinelPassword: nonEmpty.optional(),
    /** Prefix of every key the broker writes, for a Redis shared with other applications (or test runs). */
    keyPrefix: z.string().regex(/^[A-Za-z0-9:_-]*$/, { error: 'must be letters, digits, ":", "_" or "-"' }).default(''),
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
    if (redis.sentinels && !redis.name) problem('name', 'is required with redis.sentinels (the primary\'s name)');
    if (!redis.sentinels && (redis.name || redis.sentinelPassword)) {
      problem(redis.name ? 'name' : 'sentinelPassword', 'is only used with redis.sentinels');
    }
  });

const validatedConfig = z
  .strictObject({
    issuer: secureUrl,
    port: z.coerce.number().int().min(1).max(65_535).default(3000),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
      .default(5_000),
    /** Broker processes on this machine (`npm start` forks them), sharing the port, Redis and MongoDB. */
    workers: z.coerce
      .number({ error: 'must be a whole number from 1 to 64' })
      .int({ error: 'must be a whole number from 1 to 64' })
      .min(1, { error: 'must be a whole number from 1 to 64' })
      .max(64, { error: 'must be a whole number from 1 to 64' })
      .default(1),
    metrics: z
      .strictObject({
        /** Serve Prometheus metrics at /metrics on the management listener. */
        enabled: z.boolean().default(true),
        /** When set, /metrics is also served on the public listener, only to `Authorization: Bearer <token>`. */
        bearerToken: nonEmpty.min(16, { error: 'must be at least 16 characters' }).optional(),
      })
      .prefault({}),
    /** A listener of its own for /metrics, /healthz and /readyz, never behind the public ingress (like Keycloak's). */
    management: z.strictObject({ port: tcpPort.optional(), host: nonEmpty.default('127.0.0.1') }).prefault({}),
    /** The reverse proxies in front of the broker: how many, or their addresses (see proxy-trust.ts). */
    trustProxy: trustProxySetting.default(false),
    mongodb: z.strictObject({
      uri: z.string().regex(/^mongodb(\+srv)?:\/\//, { error: 'must be a mongodb:// or mongodb+srv:// URI' }),
    }),
    redis: redisSettings,
    tracing: z
      .strictObject({
        /** OpenTelemetry collector (OTLP/HTTP base URL, e.g. http://collector:4318); env OTEL_EXPORTER_OTLP_ENDPOINT. */
        otlpEndpoint: z
          .string()
          .regex(/^https?:\/\//, { error: 'must be an http:// or https:// URL' })
          .optional()
          .describe('OpenTelemetry collector, OTLP over HTTP (base URL); tracing is off without it; env OTEL_EXPORTER_OTLP_ENDPOINT'),
      })
      .prefault({})
      .describe('OpenTelemetry traces: a span per request, upstream call, Redis and MongoDB round trip and mail delivery'),
    cookieKeys: z
      .array(nonEmpty.min(32, { error: 'must be at least 32 characters' }))
      .min(1, { error: 'must list at least one key' }),
    /** Secret that makes pairwise subjects unguessable; required once a client uses `subjectType: pairwise`. */
    pairwiseSalt: nonEmpty.min(32, { error: 'must be at least 32 characters' }).optional(),
    keys: z
      .strictObject({
        /** JWKS file holding the private signing keys; created by `npm run keys -- generate`. */
        file: nonEmpty.default('.data/keys/jwks.json'),
        /** Signs ID tokens of portals that set no idTokenSignedResponseAlg. Keys of both algorithms are kept. */
        algorithm: signingAlgorithm.default('ES256'),
        /** Development convenience: create the file on first start when it is missing. */
        generateIfMissing: z.boolean().default(false),
      })
      .prefault({}),
    upstreams: z.array(upstream).min(1, { error: 'must list at least one upstream identity provider' }),
    clients: z.array(client).min(1, { error: 'must list at least one client' }),
    mail: z
      .strictObject({
        from: z.strictObject({ email, name: nonEmpty }),
        support: nonEmpty,
        transport: z.enum(['sendgrid', 'dev']),
        sendgrid: z
          .strictObject({ apiKey: nonEmpty, baseUrl: z.url().default('https://api.sendgrid.com') })
          .optional(),
        /** How often the outbox worker looks for due messages. */
        pollInterval: duration(3_600_000, '1h').default(5_000),
        retry: z
          .strictObject({
            /** Attempts before a message is marked failed (and audited). */
            maxAttempts: positiveInt.default(8),
            /** Delay before the first retry; doubled after each failed attempt. */
            initialDelay: duration(3_600_000, '1h').default(30_000),
          })
          .prefault({}),
      })
      .superRefine((mail, ctx) => {
        if (mail.transport === 'sendgrid' && !mail.sendgrid) {
          ctx.addIssue({ code: 'custom', path: ['sendgrid'], message: 'is required when transport is sendgrid' });
        }
      }),
    linking: z
      .strictObject({
        linkTtl: duration(MAX_LINK_TTL_MS, '24h').default(3_600_000),
        limits: z
          .strictObject({
            perIdentity: positiveInt.default(5),
            perAddress: positiveInt.default(5),
            perIp: positiveInt.default(30),
          })
          .prefault({}),
      })
      .prefault({}),
    /** The company's name, logo, colour and footer links on every page and e-mail. */
    branding,
    /** Who may use the admin API (issue 13): clients that obtain access tokens with the client-credentials grant. */
    admin: z
      .strictObject({
        clients: z
          .array(
            z.strictObject({
              clientId: nonEmpty,
              clientSecret: nonEmpty.min(32, { error: 'must be at least 32 characters' }),
              name: nonEmpty.optional(),
              /** `support` reads, resends and cancels; `admin` also changes accounts, links and unlinks. */
              role: z.enum(['support', 'admin'], { error: 'must be support or admin' }),
            }),
          )
          .default([]),
        /**
         * The support console at /admin: staff sign in through the company's own upstream (its workforce
         * directory), never through a customer upstream; only the people listed here get in, with their role.
         */
        console: z
          .strictObject({
            upstream,
            staff: z
              .array(
                z
                  .strictObject({
                    /** The staff member's `sub` at the console upstream (preferred: it never changes). */
                    subject: nonEmpty.optional(),
                    /** Or the address the console upstream asserts (`email`, verified). */
                    email: email.optional(),
                    name: nonEmpty.optional(),
                    role: z.enum(['support', 'admin'], { error: 'must be support or admin' }),
                  })
                  .refine((s) => s.subject !== undefined || s.email !== undefined, { error: 'needs a subject or an email' }),
              )
              .min(1, { error: 'must list at least one staff member' }),
            /** How long a console session lasts from sign-in; staff then sign in again. */
            sessionTtl: duration(12 * 3_600_000, '12h').default(3_600_000),
          })
          .optional(),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const duplicates = (values: string[]) => values.filter((v, i) => values.indexOf(v) !== i);
    for (const id of duplicates(config.upstreams.map((u) => u.id))) {
      ctx.addIssue({ code: 'custom', path: ['upstreams'], message: `id "${id}" is used twice` });
    }
    if (!config.pairwiseSalt && config.clients.some((c) => c.subjectType === 'pairwise')) {
      ctx.addIssue({ code: 'custom', path: ['pairwiseSalt'], message: 'is required when a client uses subjectType pairwise' });
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
