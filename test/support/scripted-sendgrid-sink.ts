import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer of the sink; requests beyond the script are accepted (202). */
export type ScriptedAnswer =
  | { status: number; retryAfter?: string; message?: string }
  /** Read the request, never answer: a provider that hangs, or a worker killed while waiting. */
  | { hang: true };

export interface ScriptedSendGridSink {
  url: string;
  /** Every POST /v3/mail/send, answered or not, with when it arrived. */
  requests: Array<{ at: number; body: unknown }>;
  /** Parsed bodies the sink accepted (202). */
  accepted: unknown[];
  /** Resolves once `count` requests arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, retryAfter: string | undefined, message: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    ...(retryAfter ? { 'retry-after': retryAfter } : {}),
  });
  response.end(JSON.stringify({ errors: [{ message, field: null, help: null }] }));
}

/**
 * A SendGrid v3 Mail Send stand-in whose answers follow a script (429 with Retry-After, 400, a hang, ...), for the
 * worker's handling of what a real provider says; test/support/sendgrid-sink.ts covers the plain cases.
 */
export async function startScriptedSendGridSink(script: ScriptedAnswer[]): Promise<ScriptedSendGridSink> {
  const remaining = [...script];
  const waiters = new Set<() => void>();
  const server = createServer((request, response) => {
    void (async () => {
      const body = JSON.parse(await readBody(request)) as unknown;
      sink.requests.push({ at: Date.now(), body });
      for (const wake of waiters) wake();
      const next = remaining.shift();
      if (next && 'hang' in next) return;
      if (next && next.status >= 300) {
        answer(response, next.status, next.retryAfter, next.message ?? `scripted ${next.status}`);
        return;
      }
      sink.accepted.push(body);
      response.writeHead(202, { 'x-message-id': `scripted-${sink.accepted.length}` });
      response.end();
    })().catch(() => answer(response, 400, undefined, 'malformed request'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sink: ScriptedSendGridSink = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    accepted: [],
    waitForRequests(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (sink.requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the sink saw ${sink.requests.length} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return sink;
}
