import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../config/webhook-settings.ts';

export { WEBHOOK_EVENT_TYPES, type WebhookEventType };

// The payload of every event, as the customer system receives it: thin (ids, the event's time, what changed), so
// that what a receiver may read is decided by the admin API it calls for details, and nothing usable leaks through
// a log or a misrouted endpoint. Never a token, a link, a secret, an address typed by a person or a message text.

const id = (what: string) => z.string().min(1).describe(`The ${what}'s id (as the admin API names it).`);
const isoTime = (what: string) => z.iso.datetime({ offset: true }).describe(what);

/** An upstream sign-in: whoever signs in as (issuer, subject) at that upstream. */
const signIn = z
  .object({
    upstreamId: z.string().describe('The upstream identity provider as configured (upstreams[].id).'),
    issuer: z.string().describe("The provider's issuer."),
    subject: z.string().describe("The sign-in's subject at that provider."),
  })
  .describe('The upstream sign-in.');

/** Who caused the event, as the audit trail names them. */
const actor = z
  .object({
    type: z
      .enum(['person', 'support', 'broker', 'import'])
      .describe(
        'person: the person signing in; support: an admin API client or a staff member of the console; broker: the broker itself (expiry, a newer request); import: an account file imported by the operator (npm run accounts).',
      ),
    id: z
      .string()
      .nullable()
      .describe(
        "The person's id, the admin client id or staff id as the audit trail names them; the file's name for import; null for broker.",
      ),
  })
  .describe('Who did it.');

/** The payload schemas (`data` of each event) by event type. */
export const WEBHOOK_EVENT_DATA = {
  'association.requested': z
    .object({
      associationId: id('pending association'),
      signIn,
      contactIds: z.array(z.string()).describe('The contacts the entered address is registered as.'),
      clientId: z.string().nullable().describe('The portal the person came from, if any.'),
      expiresAt: isoTime('When the e-mailed link stops working (ISO 8601).'),
    })
    .describe('A person asked to associate a sign-in with a customer account: a link was e-mailed to the contact.'),
  'association.confirmed': z
    .object({
      associationId: id('association'),
      personId: id('person'),
      signIn,
      accountIds: z.array(z.string()).describe('The accounts the person is now a member of through it.'),
      contactIds: z.array(z.string()).describe('The contacts the person now acts as.'),
      clientId: z.string().nullable().describe('The portal the person came from, if any.'),
    })
    .describe('The person confirmed the e-mailed link: the sign-in is linked to the contacts.'),
  'association.cancelled': z
    .object({
      associationId: id('association'),
      signIn,
      reason: z
        .enum(['cancelled', 'superseded', 'disowned'])
        .describe(
          'cancelled: by support; superseded: a newer request of the same sign-in replaced it; disowned: the owner of the address answered "This wasn\'t me" and the link it made was undone.',
        ),
      actor,
    })
    .describe('An association ended without a membership (or its membership was undone).'),
  'identity.removed': z
    .object({ identityId: id('sign-in'), personId: id('person'), signIn, actor })
    .describe('A sign-in was unlinked from its person: it no longer signs in as them.'),
  'membership.added': z
    .object({
      membershipId: id('membership'),
      personId: id('person'),
      accountId: id('account'),
      contactId: id('contact'),
      associationId: z.string().nullable().describe('The association that made it; null when support linked it.'),
      actor,
    })
    .describe('A person now acts for an account as one of its contacts.'),
  'membership.removed': z
    .object({
      membershipId: id('membership'),
      personId: id('person'),
      accountId: id('account'),
      contactId: id('contact'),
      actor,
    })
    .describe('A person no longer acts for the account as that contact.'),
  'person.sessions-ended': z
    .object({
      personId: id('person'),
      reason: z
        .enum(['not-me', 'signed-out-everywhere', 'support'])
        .describe(
          'not-me: "This wasn\'t me" on the notice after a confirmation; signed-out-everywhere: the person did it at /me; support: staff did it.',
        ),
      associationId: z.string().nullable().describe('With not-me: the association that was disowned.'),
      actor,
    })
    .describe("The person's broker sessions and portal grants were ended."),
  'support-request.created': z
    .object({
      supportRequestId: id('support request'),
      kind: z
        .enum(['ask-support', 'not-me'])
        .describe('ask-support: from the association page; not-me: "This wasn\'t me".'),
      signIn,
      clientId: z.string().nullable().describe('The portal the person came from, if any.'),
    })
    .describe('A person asked support for help; the text is read through the admin API, never sent here.'),
  'account.changed': z
    .object({
      accountId: id('account'),
      customerNumber: z.string().describe("The account's customer number."),
      change: z.enum(['created', 'updated']).describe('Whether the account is new.'),
      fields: z
        .array(z.enum(['name', 'status', 'plans', 'contacts']))
        .min(1)
        .describe('What changed; read the new values through the admin API.'),
      contactIds: z.array(z.string()).describe('With contacts: the contacts added or changed.'),
      actor,
    })
    .describe(
      "A customer account or one of its contacts was created or changed (support, the CRM's own API calls or an import).",
    ),
} as const satisfies Record<WebhookEventType, z.ZodObject>;

/** What a flow passes to `publish` for an event of type T. */
export type WebhookEventData<T extends WebhookEventType> = z.input<(typeof WEBHOOK_EVENT_DATA)[T]>;

/** The body of every delivery (Standard Webhooks payload structure): the same bytes on every try. */
export function webhookPayloadSchema<T extends WebhookEventType>(type: T) {
  return z
    .object({
      type: z.literal(type).describe('The event type.'),
      timestamp: isoTime('When the event happened (ISO 8601), the same on every try; not the time of sending.'),
      data: WEBHOOK_EVENT_DATA[type],
    })
    .describe(WEBHOOK_EVENT_DATA[type].description ?? type);
}

export type WebhookPayload<T extends WebhookEventType = WebhookEventType> = {
  type: T;
  timestamp: string;
  data: z.output<(typeof WEBHOOK_EVENT_DATA)[T]>;
};
