import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ServiceUnavailable } from '../errors/broker-error.ts';
import { accountsNamed, signInNameOf } from '../linking/association-hooks.ts';
import { TooManyRequests } from '../linking/linking-errors.ts';
import type { AuditTrail, Mailer, SupportDesk } from '../linking/ports.ts';
import type { Redis } from '../store/redis.ts';
import type { UpstreamIdentity } from '../upstream/upstream-identity.ts';
import type { NewSupportRequest, SupportRequests } from './support-requests.ts';

export interface SupportRequestInput {
  identity: UpstreamIdentity;
  replyTo: string;
  customer: string;
  message: string;
  clientId: string | null;
  ip: string;
  locale: string;
}

export interface AskSupportSettings {
  requests: SupportRequests;
  redis: Redis;
  audit: AuditTrail;
  mailer: Mailer;
  /** `mail.support`: where the requests are mailed. */
  support: string;
  upstreamName(upstreamId: string): string;
  /** Requests per hour, as for association requests (`linking.limits`). */
  limits: { perIdentity: number; perIp: number };
}

const HOUR_S = 3600;
// Bounded: what a person types is stored and mailed, never more than support can read.
const bounded = (text: string, max: number) => text.replace(/\s+/g, ' ').trim().slice(0, max);

/**
 * "Ask support" from the association page: stores the request with the sign-in attached (provider, subject,
 * masked address) and mails the support address. Nothing the person enters changes what they see next (the same
 * page follows whatever they typed); only the rate limits, counted like association requests, answer otherwise.
 */
export function askSupport(settings: AskSupportSettings) {
  const limiter = (keyPrefix: string, points: number) =>
    new RateLimiterRedis({
      storeClient: settings.redis,
      keyPrefix,
      points,
      duration: HOUR_S,
      rejectIfRedisNotReady: true,
    });
  const perIdentity = limiter('rl:support:identity', settings.limits.perIdentity);
  const perIp = limiter('rl:support:ip', settings.limits.perIp);

  return async function submit(input: SupportRequestInput): Promise<void> {
    const { identity } = input;
    const results = await Promise.allSettled([
      perIdentity.consume(`${identity.issuer}|${identity.subject}`),
      perIp.consume(input.ip),
    ]);
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      throw result.reason instanceof RateLimiterRes ? new TooManyRequests() : new ServiceUnavailable(result.reason);
    }
    await openRequest(
      settings,
      {
        upstreamId: identity.upstreamId,
        issuer: identity.issuer,
        subject: identity.subject,
        signInName: signInNameOf(identity),
        // Empty: answer at the address the person signs in with (the provider's, not typed by anyone).
        replyTo: bounded(input.replyTo, 200) || (identity.email ?? ''),
        customer: bounded(input.customer, 100),
        message: bounded(input.message, 2000),
        clientId: input.clientId,
        locale: input.locale,
      },
      input.ip,
    );
  };
}

export type SubmitSupportRequest = ReturnType<typeof askSupport>;

/** Stores a request, mails it to support and audits it: the same for every way a request is opened. */
async function openRequest(
  settings: Pick<AskSupportSettings, 'requests' | 'audit' | 'mailer' | 'support' | 'upstreamName'>,
  fields: NewSupportRequest,
  ip: string,
) {
  const request = await settings.requests.open(fields, new Date());
  const messageId = await settings.mailer.enqueue({
    to: settings.support,
    template: 'support-request',
    data: {
      requestId: request.id,
      upstreamName: settings.upstreamName(fields.upstreamId),
      subject: fields.subject,
      signInName: fields.signInName,
      replyTo: fields.replyTo,
      customer: fields.customer,
      message: fields.message,
      locale: 'en',
    },
  });
  await settings.audit.record({
    type: 'support.requested',
    upstreamId: fields.upstreamId,
    subject: fields.subject,
    ip,
    detail: { supportRequestId: request.id, clientId: fields.clientId, messageId },
  });
  return request.id;
}

/**
 * The support requests the association flow opens itself: "This wasn't me" on the notice after a confirmation. The
 * sign-in is attached as with any request; the answer goes to the registered address the notice was sent to.
 */
export function flowSupportDesk(
  settings: Pick<AskSupportSettings, 'requests' | 'audit' | 'mailer' | 'support' | 'upstreamName'>,
): SupportDesk {
  return {
    disowned({ record, contacts, ip, locale }) {
      const accounts = accountsNamed(contacts.map((c) => c.account));
      return openRequest(
        settings,
        {
          upstreamId: record.upstreamId,
          issuer: record.issuer,
          subject: record.subject,
          signInName: record.signInName,
          replyTo: contacts[0]?.contact.email ?? '',
          customer: accounts,
          message: bounded(
            `"This wasn't me": the owner of the registered address says they did not associate this sign-in with ${accounts} ` +
              `(association ${record.id}, confirmed ${record.confirmedAt?.toISOString() ?? 'at an unknown time'}). ` +
              'The association was undone and the sign-in’s sessions and grants were ended. Please check how the link was used.',
            2000,
          ),
          clientId: record.clientId,
          locale,
        },
        ip,
      );
    },
  };
}
