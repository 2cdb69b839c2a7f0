import { parseConfig, type BrokerConfig } from '../../src/config/index.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { MICROSOFT_CONSUMERS_TENANT } from '../../src/config/upstream-presets.ts';
import { baseConfigDocument } from '../support/config.ts';

const env = { MONGODB_URI: 'mongodb://127.0.0.1:27017/ib', REDIS_URL: 'redis://127.0.0.1:6379' };

function upstreamOf(entry: Record<string, unknown>): BrokerConfig['upstreams'][number] {
  const config = parseConfig(baseConfigDocument({ upstreams: [{ id: 'u', name: 'U', clientId: 'c', ...entry }] }), env);
  const upstream = config.upstreams[0];
  if (!upstream) throw new Error('no upstream');
  return upstream;
}

function problemsOf(entry: Record<string, unknown>): readonly string[] {
  try {
    upstreamOf(entry);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('upstream provider presets', () => {
  it('signs personal Microsoft accounts in through the consumers authority, issuer validated against the tenant', () => {
    const upstream = upstreamOf({ type: 'microsoft', clientSecret: 's' });
    expect(upstream.issuer).toBe(`https://login.microsoftonline.com/${MICROSOFT_CONSUMERS_TENANT}/v2.0`);
    expect(upstream.discoveryUrl).toBe(
      'https://login.microsoftonline.com/consumers/v2.0/.well-known/openid-configuration',
    );
    expect(upstream.tenant).toBe(MICROSOFT_CONSUMERS_TENANT);
    expect(upstream.reauthentication).toEqual({ prompt: true, maxAge: false, promptLoginEnforced: true });
  });

  it('uses a named Microsoft tenant for its issuer and discovery document', () => {
    const tenant = '11111111-2222-3333-4444-555555555555';
    const upstream = upstreamOf({ type: 'microsoft', clientSecret: 's', tenant });
    expect(upstream.issuer).toBe(`https://login.microsoftonline.com/${tenant}/v2.0`);
    expect(upstream.discoveryUrl).toBe(
      `https://login.microsoftonline.com/${tenant}/v2.0/.well-known/openid-configuration`,
    );
  });

  it('gives Apple form_post, its scopes and a client secret the broker signs', () => {
    const upstream = upstreamOf({
      type: 'apple',
      apple: { teamId: 'T', keyId: 'K', privateKeyFile: '/keys/apple.p8' },
    });
    expect(upstream).toMatchObject({
      issuer: 'https://appleid.apple.com',
      responseMode: 'form_post',
      scopes: ['openid', 'email', 'name'],
    });
  });

  it('lets every preset value be set', () => {
    const upstream = upstreamOf({
      type: 'google',
      clientSecret: 's',
      scopes: ['openid', 'email'],
      clientAuth: 'client_secret_basic',
      reauthentication: { prompt: true },
    });
    expect(upstream).toMatchObject({
      issuer: 'https://accounts.google.com',
      scopes: ['openid', 'email'],
      clientAuth: 'client_secret_basic',
    });
    expect(upstream.reauthentication).toEqual({ prompt: true, maxAge: true, promptLoginEnforced: false });
  });

  it('keeps a standard provider as it was configured before presets (client_secret_basic, query)', () => {
    const upstream = upstreamOf({ issuer: 'https://id.example.com', clientSecret: 's' });
    expect(upstream).toMatchObject({
      type: 'oidc',
      clientAuth: 'client_secret_basic',
      responseMode: 'query',
      scopes: ['openid', 'email', 'profile'],
    });
    expect(upstream.discoveryUrl).toBeUndefined();
  });

  it('refuses combinations that cannot work, naming the key', () => {
    expect(problemsOf({ clientSecret: 's' })).toEqual([
      expect.stringMatching(/^upstreams\[0\]\.issuer: is required for type oidc/),
    ]);
    expect(problemsOf({ type: 'apple' })).toEqual([
      expect.stringMatching(/^upstreams\[0\]\.apple: is required with type apple/),
    ]);
    expect(problemsOf({ issuer: 'https://id.example.com', clientAuth: 'none', clientSecret: 's' })).toEqual([
      expect.stringMatching(/^upstreams\[0\]\.clientSecret: must not be set with clientAuth none/),
    ]);
    expect(problemsOf({ issuer: 'https://id.example.com', clientAuth: 'private_key_jwt' })).toEqual([
      expect.stringMatching(/^upstreams\[0\]\.privateKeyFile: is required/),
    ]);
    expect(problemsOf({ issuer: 'https://id.example.com' })).toEqual([
      expect.stringMatching(/^upstreams\[0\]\.clientSecret: is required with clientAuth client_secret_basic/),
    ]);
    expect(problemsOf({ type: 'google', clientSecret: 's', tenant: '11111111-2222-3333-4444-555555555555' })).toEqual([
      expect.stringMatching(/^upstreams\[0\]\.tenant: is only used with type microsoft/),
    ]);
  });
});
