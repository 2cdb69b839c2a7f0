import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { ServiceUnavailable } from '../errors/broker-error.ts';
import { accountsNamed, signInNameOf } from '../linking/association-hooks.ts';
import { TooManyRequests } from '../linking/linking-errors.ts';
import type { AuditTrail, Mailer, SupportDesk } from '../linking/ports.ts';
import type { Redis } from '../store/redis.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
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

/** What is wrong with a request as typed; the page says it next to the field and keeps everything typed. */
export type SupportRequestProblem = 'messageMissing' | 'messageTooLong' | 'replyToInvalid' | 'customerTooLong';

export type SupportRequestOutcome = { kind: 'sent' } | { kind: 'invalid'; problems: SupportRequestProblem[] };

/** The most a person may type: what support reads in one go (the form's maxlength says the same). */
export const SUPPORT_REQUEST_LIMITS = { message: 2000, replyTo: 200, customer: 100 } as const;

const address = z.email();

/**
 * Checks what the person typed before anything is stored or counted: an empty message would reach support with
 * nothing to act on, and a longer one than the form allows would be cut where the person cannot see it.
 */
export function problemsOf(
  input: Pick<SupportRequestInput, 'replyTo' | 'customer' | 'message'>,
): SupportRequestProblem[] {
  const problems: SupportRequestProblem[] = [];
  const message = input.message.trim();
  if (message === '') problems.push('messageMissing');
  if (message.length > SUPPORT_REQUEST_LIMITS.message) problems.push('messageTooLong');
  const replyTo = input.replyTo.trim();
  if (replyTo !== '' && (replyTo.length > SUPPORT_REQUEST_LIMITS.replyTo || !address.safeParse(replyTo).success)) {
    problems.push('replyToInvalid');
  }
  if (input.customer.trim().length > SUPPORT_REQUEST_LIMITS.customer) problems.push('customerTooLong');
  return problems;
}

export interface AskSupportSettings {
  requests: SupportRequests;
  redis: Redis;
  audit: AuditTrail;
  mailer: Mailer;
  /** `mail.support`: where the requests are mailed. */
  support: string;
  upstreamName(upstreamId: string): string;
  /** A portal's name for the mail to support (its client id when it has none). */
  portalName(clientId: string): string;
  /** Events for the customer system: a request is announced (its text is not: the admin API has it). */
  events: EventPublisher;
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

  return async function submit(input: SupportRequestInput): Promise<SupportRequestOutcome> {
    const problems = problemsOf(input);
    if (problems.length > 0) return { kind: 'invalid', problems };
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
        replyTo: input.replyTo.trim() || (identity.email ?? ''),
        customer: bounded(input.customer, SUPPORT_REQUEST_LIMITS.customer),
        message: bounded(input.message, SUPPORT_REQUEST_LIMITS.message),
        clientId: input.clientId,
        locale: input.locale,
      },
      input.ip,
      // Only an address the person typed (and that parsed) answers the support mail; never the upstream's claim.
      input.replyTo.trim() || null,
      'ask-support',
    );
    return { kind: 'sent' };
  };
}

export type SubmitSupportRequest = ReturnType<typeof askSupport>;

/** Stores a request, mails it to support and audits it: the same for every way a request is opened. */
async function openRequest(
  settings: Pick<
    AskSupportSettings,
    'requests' | 'audit' | 'mailer' | 'support' | 'upstreamName' | 'portalName' | 'events'
  >,
  fields: NewSupportRequest,
  ip: string,
  typedReplyTo: string | null,
  kind: 'ask-support' | 'not-me',
) {
  const at = new Date();
  const request = await settings.requests.open(fields, at);
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
      portal: fields.clientId ? settings.portalName(fields.clientId) : '',
      requestedAt: at.toISOString(),
      // The mail's Reply-To (mail-renderer.ts): support answers the person with their mail client's Reply.
      ...(typedReplyTo ? { replyToHeader: typedReplyTo } : {}),
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
  await settings.events.publish(
    'support-request.created',
    {
      supportRequestId: request.id,
      kind,
      signIn: { upstreamId: fields.upstreamId, issuer: fields.issuer, subject: fields.subject },
      clientId: fields.clientId,
    },
    { eventId: `${request.id}-created`, at },
  );
  return request.id;
}

/**
 * The support requests the association flow opens itself: "This wasn't me" on the notice after a confirmation. The
 * sign-in is attached as with any request; the answer goes to the registered address the notice was sent to.
 */
export function flowSupportDesk(
  settings: Pick<
    AskSupportSettings,
    'requests' | 'audit' | 'mailer' | 'support' | 'upstreamName' | 'portalName' | 'events'
  >,
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
        // The registered address the notice went to: written by staff or the import, not typed by a stranger.
        contacts[0]?.contact.email ?? null,
        'not-me',
      );
    },
  };
}
