import { Cluster } from 'ioredis';
import type { BrokerProcess } from './broker-process.ts';
import { LoginBench, type LoginTarget } from './login-bench.ts';
import { measured, refreshChains, refreshLoop, type PhaseResult } from './process-phases.ts';

export interface ClusterRun {
  /** What the broker was given: the local cluster of `npm run services -- --redis-cluster`. */
  redis: string;
  /** Whole logins, 4 at once, as the one-server runs' level 4. */
  logins: PhaseResult;
  refresh: PhaseResult;
}

/**
 * Logins and refresh grants with the broker (one process) on the Redis Cluster, measured as the one-server runs
 * are, so that results.json puts them side by side: CPU of every cluster node added up, and the broker's Redis round
 * trips per login and per refresh (a cluster splits what one server does in one script or MULTI).
 */
export async function clusterPhase(options: {
  broker: BrokerProcess;
  target: LoginTarget;
  redisPids: ReadonlyArray<number | undefined>;
  mongoPid: number | undefined;
  upstreamPid: number | undefined;
  settings: { levelSeconds: number; refreshChains: number; refreshSeconds: number };
}): Promise<ClusterRun> {
  const { broker, target, settings } = options;
  const parties = {
    broker,
    redisPid: options.redisPids.filter((pid): pid is number => pid !== undefined),
    mongoPid: options.mongoPid,
    upstreamPid: options.upstreamPid,
  };
  const bench = new LoginBench(target);
  await bench.untimed({ concurrency: 4, maxCount: 80, maxMs: 3000 });
  const logins = await measured(parties, () => bench.untimed({ concurrency: 4, maxCount: 5000, maxMs: settings.levelSeconds * 1000 }));
  const tokens = await refreshChains(target, settings.refreshChains);
  await refreshLoop(broker.url, tokens, 500);
  const refresh = await measured(parties, () => refreshLoop(broker.url, tokens, settings.refreshSeconds * 1000));
  return { redis: '3 primaries, 3 replicas on 127.0.0.1:7101-7106', logins, refresh };
}

/** Deletes what the benchmark's broker left on the cluster (sessions live 14 days): every key under its prefix. */
export async function clearClusterKeys(nodes: readonly string[], keyPrefix: string): Promise<number> {
  const cluster = new Cluster(nodes.map((node) => ({ host: node.split(':')[0], port: Number(node.split(':')[1]) })));
  try {
    // The client knows the primaries once it has read the slot map.
    await new Promise((resolve, reject) => cluster.once('ready', resolve).once('error', reject));
    const keys = (await Promise.all(cluster.nodes('master').map((node) => node.keys(`${keyPrefix}*`)))).flat();
    // One DEL per key: they live in many slots.
    await Promise.all(keys.map((key) => cluster.del(key)));
    return keys.length;
  } finally {
    cluster.disconnect();
  }
}
