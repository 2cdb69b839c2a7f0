import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Jest runs test files in parallel, and they share one local Redis Cluster; the failover test breaks a primary on
// purpose. Files that only use the cluster hold it shared; the failover test holds it alone, so that no other
// file meets its failovers. Marker files (with the holder's pid, so that a crashed run's markers are ignored) in the
// machine's temporary folder, not the checkout's: the ports are the machine's, and two checkouts (a worktree and a
// clean clone) running their tests at once share the one cluster.
const LOCK_DIR = join(tmpdir(), 'identity-broker-redis-cluster', 'holders');
const RUNS_DIR = join(tmpdir(), 'identity-broker-redis-cluster', 'runs');
const EXCLUSIVE = 'failover';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Marker files of live holders, by kind. */
function holders(): { shared: string[]; exclusive: string[] } {
  const files = readdirSync(LOCK_DIR).filter((file) => alive(Number(file.split('-')[1])));
  return {
    shared: files.filter((f) => !f.startsWith(EXCLUSIVE)),
    exclusive: files.filter((f) => f.startsWith(EXCLUSIVE)),
  };
}

/** How long a test file may wait for the cluster: give it to the beforeAll that takes it. */
export const CLUSTER_WAIT_MS = 180_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the cluster, shared or alone; resolves with the release. A holder writes its marker first and looks for the
 * other kind after, so two that start together both see each other and neither goes ahead unseen.
 */
export async function holdCluster(
  kind: 'shared' | 'exclusive',
  timeoutMs = CLUSTER_WAIT_MS - 5_000,
): Promise<() => void> {
  mkdirSync(LOCK_DIR, { recursive: true });
  const marker = join(
    LOCK_DIR,
    `${kind === 'exclusive' ? EXCLUSIVE : 'user'}-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    writeFileSync(marker, '');
    const { shared, exclusive } = holders();
    const others = kind === 'exclusive' ? [...shared, ...exclusive].length - 1 : exclusive.length;
    if (others === 0) return () => rmSync(marker, { force: true });
    // A shared holder steps back while the failover test waits, so that it cannot be starved.
    if (kind === 'shared') rmSync(marker, { force: true });
    if (Date.now() > deadline) {
      rmSync(marker, { force: true });
      throw new Error(`the local Redis Cluster stayed busy for ${timeoutMs / 1000}s (markers in ${LOCK_DIR})`);
    }
    await sleep(200);
  }
}

/**
 * Jest runs (global setup) that use the cluster, so that the run which started it stops it only when no other run
 * still uses it. Returns the release, which tells whether another live run still uses the cluster.
 */
export function registerClusterRun(): () => { othersRunning: boolean } {
  mkdirSync(RUNS_DIR, { recursive: true });
  const marker = join(RUNS_DIR, `run-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(marker, '');
  return () => {
    rmSync(marker, { force: true });
    const others = readdirSync(RUNS_DIR).filter((file) => alive(Number(file.split('-')[1])));
    return { othersRunning: others.length > 0 };
  };
}
