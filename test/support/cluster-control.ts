import { spawnSync } from 'node:child_process';
import { REDIS_CLUSTER_PORTS, clusterStateOk } from '../../scripts/lib/local-services.ts';

/** A node of the local cluster as CLUSTER NODES describes it. */
export interface ClusterNode {
  id: string;
  port: number;
  primary: boolean;
  failed: boolean;
  /** The id of its primary, for a replica. */
  primaryId: string | undefined;
}

export function redisCli(port: number, ...args: string[]): string {
  const run = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return run.stdout ?? '';
}

/** The cluster as `askPort` sees it. */
export function clusterNodes(askPort: number): ClusterNode[] {
  return redisCli(askPort, 'cluster', 'nodes')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', address = '', flags = '', primaryId = '-'] = line.split(' ');
      return {
        id,
        port: Number(address.split('@')[0]?.split(':')[1]),
        primary: flags.includes('master'),
        failed: flags.includes('fail') && !flags.includes('pfail') ? true : flags.includes(',fail'),
        primaryId: primaryId === '-' ? undefined : primaryId,
      };
    });
}

/** The process id of the redis-server on `port` (INFO server). */
export function nodePid(port: number): number {
  return Number(/process_id:(\d+)/.exec(redisCli(port, 'info', 'server'))?.[1]);
}

/** The folder a node runs in (CONFIG GET dir): where its nodes.conf is, to start it again after killing it. */
export function nodeDirectory(port: number): string {
  return redisCli(port, 'config', 'get', 'dir').trim().split('\n')[1] ?? '';
}

/** True when every given node says cluster_state:ok and counts `port` among the primaries. */
export function servesAsPrimary(port: number, askPorts: readonly number[]): boolean {
  return askPorts.every(
    (ask) =>
      clusterStateOk(ask) && clusterNodes(ask).some((node) => node.port === port && node.primary && !node.failed),
  );
}

export const ALL_PORTS: readonly number[] = REDIS_CLUSTER_PORTS;
