import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBrokerProcess, type BrokerProcessOptions } from './broker-process.ts';
import { LoginBench, type LoginTarget } from './login-bench.ts';
import { measured, type PhaseResult } from './process-phases.ts';

export interface TracingRun {
  /** The same logins, 4 at once, with tracing off and then on (spans to a collector stand-in on loopback). */
  off: PhaseResult;
  on: PhaseResult;
  /** What the stand-in received during the run with tracing on. */
  exports: { requests: number; bytes: number };
}

/**
 * CPU per login with OpenTelemetry off and on, measured back to back in two broker processes (one each) so that
 * the machine's load is alike: the cost of the instrumentations and of exporting (batched OTLP/HTTP JSON to a
 * stand-in collector that only counts what it receives).
 */
export async function tracingPhase(options: {
  process: Omit<BrokerProcessOptions, 'extraConfig'>;
  target: LoginTarget;
  pids: { redisPid: number | undefined; mongoPid: number | undefined; upstreamPid: number | undefined };
  seconds: number;
}): Promise<TracingRun> {
  const exports = { requests: 0, bytes: 0 };
  const collector = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (exports.bytes += chunk.length));
    request.on('end', () => {
      exports.requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const run = async (extraConfig: Record<string, unknown>) => {
    const broker = await startBrokerProcess({ ...options.process, extraConfig });
    try {
      const bench = new LoginBench(options.target);
      await bench.untimed({ concurrency: 4, maxCount: 80, maxMs: 3000 });
      return await measured({ broker, ...options.pids }, () => bench.untimed({ concurrency: 4, maxCount: 5000, maxMs: options.seconds * 1000 }));
    } finally {
      await broker.stop();
    }
  };
  try {
    const off = await run({});
    const on = await run({ tracing: { otlpEndpoint: endpoint } });
    return { off, on, exports };
  } finally {
    await new Promise((resolve) => collector.close(resolve));
  }
}
