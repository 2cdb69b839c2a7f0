import { readdirSync, readFileSync } from 'node:fs';
import { closeServer, listenOnLoopback } from '../parties/loopback-server.ts';

export async function freeLoopbackPort(): Promise<number> {
  const { server, url } = await listenOnLoopback();
  await closeServer(server);
  return Number(new URL(url).port);
}

/** The processes whose parent is `pid` (the workers a cluster primary forked). */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
