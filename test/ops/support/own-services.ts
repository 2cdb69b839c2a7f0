import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFerretDb } from '../../../scripts/lib/local-services.ts';

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export interface OwnService {
  url: string;
  port: number;
  /** Kills the server the way a crash would (SIGKILL), and waits for its exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (and, for FerretDB, the same data). */
  start(): Promise<void>;
}

function ownService(port: number, url: string, launch: () => ChildProcess): OwnService {
  let child: ChildProcess | undefined;
  return {
    url,
    port,
    async start() {
      child = launch();
      await waitFor(`a server on port ${port}`, () => answers(port));
    },
    async kill() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}

/** A Redis of the test's own (Debian's redis-server), without persistence, that the test may kill. */
export async function ownRedis(): Promise<OwnService> {
  const port = await freePort();
  const service = ownService(port, `redis://127.0.0.1:${port}`, () =>
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()],
      {
        stdio: 'ignore',
      },
    ),
  );
  await service.start();
  return service;
}

/** A MongoDB-wire server of the test's own (the FerretDB that `npm run services` built), that the test may kill. */
export async function ownFerretDb(): Promise<OwnService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ib-ferretdb-'));
  const service = ownService(port, `mongodb://127.0.0.1:${port}/ib_outage`, () =>
    // The binary `npm run services -- up` builds; built here too when that found a MongoDB-wire server already running.
    spawn(
      buildFerretDb(() => undefined),
      [`-listen-addr=127.0.0.1:${port}`, `-sqlite-url=file:${dir}/`, '-log-level=error'],
      {
        stdio: 'ignore',
      },
    ),
  );
  await service.start();
  return service;
}
