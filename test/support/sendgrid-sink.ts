import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SendGridSinkOptions {
  /** The key the sink accepts as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** Answer 500 to this many requests first (counted across all requests, authorised ones only). */
  failFirst?: number;
}

export interface SendGridSink {
  /** Base URL for the transport's `baseUrl`. */
  url: string;
  /** Parsed JSON bodies of the accepted requests, in order. */
  received: unknown[];
  /** Every POST /v3/mail/send the sink answered, accepted or not. */
  requests: number;
  /** Resolves once `count` bodies were accepted; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
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

function answerError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ errors: [{ message, field: null, help: null }] }));
}

/**
 * A stand-in for SendGrid's v3 Mail Send endpoint on 127.0.0.1, for driving the real @sendgrid/mail client:
 * 202 with an empty body and an `X-Message-Id`, 401 for a wrong key, 500 for the first `failFirst` requests.
 */
export async function startSendGridSink({ apiKey, failFirst = 0 }: SendGridSinkOptions): Promise<SendGridSink> {
  const received: unknown[] = [];
  const waiters = new Set<() => void>();
  let failuresLeft = failFirst;

  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST' || request.url !== '/v3/mail/send') {
        answerError(response, 404, 'not found');
        return;
      }
      const body = await readBody(request);
      sink.requests += 1;
      if (request.headers.authorization !== `Bearer ${apiKey}`) {
        answerError(response, 401, 'The provided authorization grant is invalid, expired, or revoked');
        return;
      }
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        answerError(response, 500, 'Internal server error (sink)');
        return;
      }
      received.push(JSON.parse(body));
      response.writeHead(202, { 'x-message-id': `sink-${received.length}-${Date.now().toString(36)}` });
      response.end();
      for (const wake of waiters) wake();
    })().catch(() => answerError(response, 400, 'malformed request'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const sink: SendGridSink = {
    url: `http://127.0.0.1:${port}`,
    received,
    requests: 0,
    waitFor(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the sink received ${received.length} of ${count} e-mails within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve) => {
        // Node's HTTP agent keeps connections alive: drop them, or close() waits for their idle timeout.
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return sink;
}

/** An e-mail as the sink received it, the way a recipient reads it. */
export interface SentMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
}

/** Reads a body the sink accepted (SendGrid's v3 JSON) as the e-mail it is. */
export function mailOf(body: unknown): SentMail {
  const mail = body as {
    personalizations: Array<{ to: Array<{ email: string }> }>;
    from: { email: string };
    subject: string;
    content: Array<{ type: string; value: string }>;
  };
  return {
    to: mail.personalizations[0]?.to[0]?.email ?? '',
    from: mail.from.email,
    subject: mail.subject,
    text: mail.content.find((c) => c.type === 'text/plain')?.value ?? '',
    html: mail.content.find((c) => c.type === 'text/html')?.value ?? '',
  };
}

/** The one-time link an association e-mail carries. */
export function linkIn(mail: Pick<SentMail, 'text'>): string {
  const match = /(http:\/\/(?:127\.0\.0\.1|localhost):\d+\/link\?token=[A-Za-z0-9_-]{43})/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no link in:\n${mail.text}`);
  return match[1];
}
