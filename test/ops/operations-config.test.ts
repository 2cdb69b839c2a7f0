import { ConfigError, parseConfig } from '../../src/config/index.ts';
import { baseConfigDocument } from '../support/config.ts';

function problemsOf(document: Record<string, unknown>): readonly string[] {
  try {
    parseConfig(document, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration for running behind proxies, with a management port, Redis Sentinel and Redis Cluster', () => {
  it('refuses an https issuer without a trusted proxy, with one line saying what to set', () => {
    expect(problemsOf(baseConfigDocument({ issuer: 'https://login.example.com' }))).toEqual([
      'trustProxy: must name the TLS proxy in front of the broker when the issuer is https (e.g. trustProxy: 1)',
    ]);
    expect(problemsOf(baseConfigDocument({ issuer: 'https://login.example.com', trustProxy: 1 }))).toEqual([]);
  });

  it('reads trustProxy as a number of proxies or their addresses, and true as one proxy (older files)', () => {
    const parse = (trustProxy: unknown) => parseConfig(baseConfigDocument({ trustProxy }), {});
    expect(parse(true).proxyTrust).toEqual({ hops: 1 });
    expect(parse(2).proxyTrust).toEqual({ hops: 2 });
    expect(parse(false).proxyTrust).toBeNull();
    expect(parse(['10.0.0.0/8', '::1']).proxyTrust).toEqual({ addresses: ['10.0.0.0/8', '::1'] });
    expect(problemsOf(baseConfigDocument({ trustProxy: ['10.0.0.0/33'] }))).toEqual([
      expect.stringMatching(/^trustProxy/),
    ]);
    expect(problemsOf(baseConfigDocument({ trustProxy: 'yes' }))).toEqual([
      expect.stringMatching(/^trustProxy: must be false, the number/),
    ]);
  });

  it('takes management.port and defaults its host to loopback', () => {
    const config = parseConfig(baseConfigDocument({ management: { port: 9000 } }), {});
    expect(config.management).toEqual({ port: 9000, host: '127.0.0.1' });
    expect(parseConfig(baseConfigDocument(), {}).management.port).toBeUndefined();
  });

  it('takes redis.sentinels with redis.name instead of redis.url, and says which is missing', () => {
    const sentinels = [{ host: '10.0.0.1' }, { host: '10.0.0.2', port: 26380 }];
    const config = parseConfig(baseConfigDocument({ redis: { sentinels, name: 'broker' } }), {});
    expect(config.redis.sentinels).toEqual([
      { host: '10.0.0.1', port: 26379 },
      { host: '10.0.0.2', port: 26380 },
    ]);
    expect(problemsOf(baseConfigDocument({ redis: { sentinels } }))).toEqual([
      "redis.name: is required with redis.sentinels (the primary's name)",
    ]);
    expect(problemsOf(baseConfigDocument({ redis: {} }))).toEqual([
      'redis.url: is required (or redis.sentinels with redis.name, or redis.cluster.nodes)',
    ]);
    expect(() =>
      parseConfig(baseConfigDocument({ redis: { sentinels, name: 'broker' } }), { REDIS_URL: 'redis://x:6379' }),
    ).toThrow(/redis\.sentinels: cannot be used together with redis\.url/);
  });

  it("takes redis.cluster.nodes, or REDIS_CLUSTER_NODES in place of the file's url, and refuses a second target", () => {
    const cluster = { nodes: ['10.0.0.1:7000', '10.0.0.2:7000'] };
    expect(parseConfig(baseConfigDocument({ redis: { cluster, password: 'secret' } }), {}).redis.cluster).toEqual(
      cluster,
    );
    const fromEnv = parseConfig(baseConfigDocument(), {
      REDIS_CLUSTER_NODES: 'a.internal:7000, b.internal:7001',
    }).redis;
    expect(fromEnv.cluster).toEqual({ nodes: ['a.internal:7000', 'b.internal:7001'] });
    expect(fromEnv.url).toBeUndefined();
    expect(problemsOf(baseConfigDocument({ redis: { cluster, url: 'redis://x:6379' } }))).toEqual([
      'redis.cluster: cannot be used together with redis.url (or REDIS_URL) or redis.sentinels',
    ]);
    expect(problemsOf(baseConfigDocument({ redis: { cluster: { nodes: ['rediss://a:7000', 'b:7000'] } } }))).toEqual([
      'redis.cluster: nodes must all use TLS (rediss://) or none',
    ]);
    expect(problemsOf(baseConfigDocument({ redis: { cluster: { nodes: ['a'] } } }))).toEqual([
      'redis.cluster.nodes[0]: must be host:port (or rediss://host:port for TLS)',
    ]);
  });
});
