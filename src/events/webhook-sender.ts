import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIpLiteralHost, isPrivateNetworkAddress } from '../security/private-addresses.ts';

/** One signed POST to an endpoint. */
export interface WebhookRequest {
  readonly url: string;
  readonly body: string;
  /** `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly allowPrivateNetwork: boolean;
}

/**
 * What came of it. `answered`: any HTTP answer, with `Retry-After` in milliseconds when it had a usable one.
 * `refused`: not sent, the host resolved to an address the endpoint may not use. `timeout` and `unreachable`: no
 * answer (connection refused or reset, DNS, TLS).
 */
export type SendResult =
  | { readonly kind: 'answered'; readonly status: number; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'unreachable'; readonly reason: string };

export type SendWebhook = (request: WebhookRequest) => Promise<SendResult>;

/** Resolves a host name to every address it has (tests substitute DNS). */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: ResolveHost = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

class PrivateAddressRefused extends Error {
  override readonly name = 'PrivateAddressRefused';
}

/**
 * The connection's own DNS lookup, refusing a host any of whose addresses is private, loopback or link-local.
 * Checking inside the lookup that the socket then connects with (instead of resolving once beforehand) means a
 * DNS answer cannot change between the check and the connection (DNS rebinding).
 */
export function guardedLookup(resolve: ResolveHost, allowPrivateNetwork: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = addresses.filter((a) => !options.family || a.family === options.family);
        const blocked = wanted.find((a) => isPrivateNetworkAddress(a.address));
        if (blocked && !allowPrivateNetwork) {
          callback(new PrivateAddressRefused(`${hostname} resolves to the private address ${blocked.address}`), '');
        } else if (wanted.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        } else if (options.all) {
          callback(null, wanted);
        } else {
          const [first] = wanted as [LookupAddress];
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, ''),
    );
  };
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1_000;
  // An HTTP date names its day and month (RFC 9110 5.6.7); Date.parse alone would read "-5" as a year.
  const at = /[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * Sends webhooks with node:http(s), one connection per try (no pooled socket outlives a DNS check). The answer's
 * body is discarded unread: nothing the receiver says is stored or logged.
 */
export function createWebhookSender({ resolve = systemResolve }: { resolve?: ResolveHost } = {}): SendWebhook {
  return (request) => {
    const url = new URL(request.url);
    if (!request.allowPrivateNetwork && isIpLiteralHost(url) && isPrivateNetworkAddress(url.hostname)) {
      return Promise.resolve({ kind: 'refused', reason: `${url.hostname} is a private address` });
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = Buffer.from(request.body, 'utf8');
    return new Promise<SendResult>((settle) => {
      const abort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, request.timeoutMs);
      const done = (result: SendResult) => {
        clearTimeout(timer);
        settle(result);
      };
      const outgoing = send(
        url,
        {
          method: 'POST',
          agent: false,
          signal: abort.signal,
          lookup: guardedLookup(resolve, request.allowPrivateNetwork),
          headers: {
            ...request.headers,
            'content-type': 'application/json',
            'content-length': String(body.length),
            'user-agent': 'identity-broker-webhooks',
          },
        },
        (answer: IncomingMessage) => {
          answer.on('error', () => undefined);
          answer.resume();
          const header = answer.headers['retry-after'];
          done({ kind: 'answered', status: answer.statusCode ?? 0, retryAfterMs: retryAfterMs(header, new Date()) });
          answer.destroy();
        },
      );
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        if (timedOut) done({ kind: 'timeout' });
        else if (error instanceof PrivateAddressRefused) done({ kind: 'refused', reason: error.message });
        else done({ kind: 'unreachable', reason: error.code ?? error.message });
      });
      outgoing.end(body);
    });
  };
}
