import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

// The customer system's side, as an integrator would write it: an HTTP endpoint on loopback that verifies every
// delivery with the standardwebhooks library (not with the broker's code) and answers as the test scripts it.

export interface ReceivedWebhook {
  readonly webhookId: string;
  readonly timestamp: string;
  readonly body: string;
  /** What the library returned: the parsed payload when the signature verified. */
  readonly payload: unknown;
  readonly verified: boolean;
  readonly headers: IncomingMessage['headers'];
}

/** One scripted answer: a status (with headers), or no answer at all (`hang`). */
export interface ScriptedAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly hang?: boolean;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  /** Every request, verified or not, in arrival order. */
  readonly received: ReceivedWebhook[];
  /** Answers for the next requests, in order; afterwards 204. */
  script(...answers: ScriptedAnswer[]): void;
  waitForRequests(count: number, timeoutMs: number): Promise<void>;
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

/** Starts a receiver on a free loopback port, or on `port` (a receiver that comes back after being down). */
export async function startWebhookReceiver(secret: string, port = 0): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const answers: ScriptedAnswer[] = [];
  const received: ReceivedWebhook[] = [];
  const waiting: Array<() => void> = [];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    let payload: unknown;
    let verified = true;
    try {
      payload = verifier.verify(body, request.headers as Record<string, string>);
    } catch {
      verified = false;
    }
    received.push({
      webhookId: String(request.headers['webhook-id']),
      timestamp: String(request.headers['webhook-timestamp']),
      body,
      payload,
      verified,
      headers: request.headers,
    });
    waiting.splice(0).forEach((wake) => wake());
    const answer = answers.shift() ?? { status: verified ? 204 : 401 };
    if (answer.hang) return;
    response.writeHead(answer.status ?? 204, answer.headers ?? {});
    response.end();
  };

  const server: Server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hooks/broker`,
    port: bound,
    received,
    script: (...next) => void answers.push(...next),
    async waitForRequests(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`the receiver got ${received.length} requests, not ${count}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiting.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
