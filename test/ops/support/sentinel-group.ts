import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitFor } from './own-services.ts';

export const PRIMARY_NAME = 'broker';

export interface SentinelGroup {
  sentinels: Array<{ host: string; port: number }>;
  /** The port of the server the sentinels call primary now. */
  primaryPort(): Promise<number>;
  /** Kills the process serving `port` the way a crash would. */
  killServer(port: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A primary, a replica and three Sentinels on loopback, from Debian's redis-server and redis-sentinel. Failure is
 * detected after one second (down-after-milliseconds) so that a failover takes seconds in a test.
 */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const serve = (port: number, command: string, args: string[]) =>
    children.set(port, spawn(command, args, { stdio: 'ignore' }));
  const [primary, replica] = [await freePort(), await freePort()];
  // --dir: a replica's full sync writes an RDB file, which must not land in the working directory.
  const base = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  serve(primary, 'redis-server', ['--port', String(primary), ...base]);
  serve(replica, 'redis-server', ['--port', String(replica), ...base, '--replicaof', '127.0.0.1', String(primary)]);
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  for (const port of sentinelPorts) {
    // Sentinel rewrites its file with what it learns (replicas, other sentinels, the new primary): one each.
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${PRIMARY_NAME} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${PRIMARY_NAME} 1000`,
        `sentinel failover-timeout ${PRIMARY_NAME} 5000`,
        `sentinel parallel-syncs ${PRIMARY_NAME} 1`,
        '',
      ].join('\n'),
    );
    serve(port, 'redis-sentinel', [file]);
  }
  const ask = async (port: number, ...command: string[]): Promise<unknown> => {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.call(command[0] ?? '', ...command.slice(1));
    } catch {
      return undefined;
    } finally {
      client.disconnect();
    }
  };
  // Ready once every sentinel knows the replica and the other two sentinels: only then can they agree on a failover.
  await waitFor(
    'the sentinels to know the replica and each other',
    async () => {
      for (const port of sentinelPorts) {
        const master = (await ask(port, 'SENTINEL', 'MASTER', PRIMARY_NAME)) as string[] | undefined;
        if (!master) return false;
        const field = (name: string) => Number(master[master.indexOf(name) + 1]);
        if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
      }
      return true;
    },
    30_000,
  );

  const killServer = async (port: number): Promise<void> => {
    const child = children.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    async primaryPort() {
      const address = (await ask(sentinelPorts[0] ?? 0, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', PRIMARY_NAME)) as
        string[] | undefined;
      return Number(address?.[1]);
    },
    killServer,
    async stop() {
      for (const port of children.keys()) await killServer(port);
    },
  };
}
