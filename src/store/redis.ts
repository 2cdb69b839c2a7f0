import { Cluster, Redis as RedisServer, type RedisOptions as IoRedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.ts';
import { redactCredentials } from './errors.ts';

/**
 * The broker's Redis client: one server (by URL or behind Sentinels) or a Redis Cluster. Both take the same
 * commands; what differs on a cluster (keys of one MULTI or script must share a slot, pub/sub) is handled where it
 * matters: store/request-writes.ts, store/redis-keys.ts and the Redis adapter.
 */
export type Redis = RedisServer | Cluster;

/** Where Redis is: one server by URL, the primary that a set of Sentinels names (high availability), or a cluster. */
export type RedisTarget =
  | string
  | {
      url?: string | undefined;
      sentinels?: ReadonlyArray<{ host: string; port: number }> | undefined;
      name?: string | undefined;
      password?: string | undefined;
      sentinelPassword?: string | undefined;
      /** Redis Cluster: some of its nodes (`host:port`, or `rediss://host:port` for TLS); the client finds the rest. */
      cluster?: { nodes: readonly string[] } | undefined;
    };

export function isCluster(redis: Redis): redis is Cluster {
  return redis instanceof Cluster;
}

export interface RedisOptions {
  logger: Logger;
  timeoutMs?: number;
  /** Prefix for every key, so that tests and several deployments can share one server. */
  keyPrefix?: string;
}

/** For logs and messages: the URL without credentials, or the sentinels and the primary's name. */
export function describeRedisTarget(target: RedisTarget): string {
  if (typeof target === 'string') return redactCredentials(target);
  if (target.cluster) return `cluster of ${target.cluster.nodes.join(',')}`;
  if (target.sentinels) {
    return `primary "${target.name ?? ''}" of sentinels ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  }
  return redactCredentials(target.url ?? '');
}

function settingName(target: RedisTarget): string {
  if (typeof target !== 'string' && target.cluster) return 'redis.cluster.nodes / REDIS_CLUSTER_NODES';
  return typeof target !== 'string' && target.sentinels ? 'redis.sentinels / redis.name' : 'redis.url / REDIS_URL';
}

/** `host:port` or `redis[s]://host:port` of a cluster node; TLS when every node is given as `rediss://`. */
export function clusterNode(node: string): { host: string; port: number; tls: boolean } {
  const tls = node.startsWith('rediss://');
  const bare = node.replace(/^rediss?:\/\//, '');
  const colon = bare.lastIndexOf(':');
  return { host: bare.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(bare.slice(colon + 1)), tls };
}

function createCluster(nodes: readonly string[], password: string | undefined, options: IoRedisOptions): Cluster {
  const startup = nodes.map(clusterNode);
  const { keyPrefix, lazyConnect, retryStrategy: _perServer, enableOfflineQueue, ...perNode } = options;
  return new Cluster(
    startup.map(({ host, port }) => ({ host, port })),
    {
      lazyConnect,
      keyPrefix,
      enableOfflineQueue,
      // Reads go to primaries: a replica lags behind, and a token, code or session must be found the moment after it
      // was written (replica reads would also need READONLY on every replica connection).
      scaleReads: 'master',
      // While a primary fails over, its slots answer nothing or CLUSTERDOWN for a few seconds: ioredis retries a
      // command after these delays (up to maxRedirections times), refreshing its slot map, before it fails.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 100,
      maxRedirections: 16,
      clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      // A replica or a restarted primary comes back without a slot change that would send a MOVED: reconnect to it.
      clusterNodeRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      redisOptions: {
        ...perNode,
        ...(password ? { password } : {}),
        ...(startup.some((node) => node.tls) ? { tls: {} } : {}),
      },
    },
  );
}

function createClient(target: RedisTarget, options: IoRedisOptions): Redis {
  if (typeof target === 'string') return new RedisServer(target, options);
  if (target.cluster) return createCluster(target.cluster.nodes, target.password, options);
  if (!target.sentinels)
    return new RedisServer(target.url ?? '', { ...options, ...(target.password ? { password: target.password } : {}) });
  return new RedisServer({
    ...options,
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.name ?? '',
    ...(target.password ? { password: target.password } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    // After a failover the old primary may come back as a replica: ask the sentinels again at every reconnection
    // (ioredis does), and also listen to their +switch-master so a live connection to a demoted server is dropped.
    failoverDetector: true,
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

/**
 * Connects an ioredis client and waits for it. Commands fail fast while Redis is unreachable (no offline queue,
 * bounded retries) so that a request answers 503 instead of hanging; the client keeps reconnecting in the background,
 * through the Sentinels to whichever server is the primary now when they are configured.
 */
export async function connectRedis(
  target: RedisTarget,
  { logger, timeoutMs = 5_000, keyPrefix }: RedisOptions,
): Promise<Redis> {
  const redis = createClient(target, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...(keyPrefix ? { keyPrefix } : {}),
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    // ioredis emits an error per reconnection attempt; log a change of cause once, not every 200 ms.
    if (error.message !== lastError) logger.warn({ reason: error.message }, 'Redis connection problem');
    lastError = error.message;
  });
  redis.on('ready', () => {
    if (lastError) logger.info({ redis: describeRedisTarget(target) }, 'Redis connection restored');
    lastError = '';
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis: cannot connect to ${describeRedisTarget(target)} (${settingName(target)}): ${(error as Error).message}`,
    );
  }
  logger.info({ redis: describeRedisTarget(target) }, 'Redis connected');
  return redis;
}

export async function pingRedis(redis: Redis): Promise<void> {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
}

/** Whether commands can be sent now; false while ioredis reconnects (they would fail at once without an offline queue). */
export function redisAvailable(redis: Redis): boolean {
  return redis.status === 'ready';
}

/**
 * QUIT, but never waiting for ever: with Sentinel, a client whose sentinels or primary are gone (a failover under
 * way, a test tearing down) may not get an answer, and shutting down must not hang on that.
 */
export async function closeRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([
    redis.quit().then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  redis.disconnect();
}

/**
 * A connection of its own for SUBSCRIBE (a subscribed connection serves no other command), to the same target, keys
 * unprefixed (channels never are) and named for CLIENT LIST; not resubscribed by ioredis at reconnection, so that
 * the subscriber knows when its subscription takes effect. On a cluster, ioredis keeps one subscriber connection to
 * one node and moves it, resubscribing, when that node goes away: PUBLISH reaches every node of a cluster.
 */
export function subscriberConnection(redis: Redis, connectionName: string): Redis {
  if (!isCluster(redis)) return redis.duplicate({ keyPrefix: '', autoResubscribe: false, connectionName });
  return redis.duplicate([], { keyPrefix: '', redisOptions: { ...redis.options.redisOptions, connectionName } });
}
