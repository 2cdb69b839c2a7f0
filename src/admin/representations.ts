import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '../audit/audit-event-types.ts';
import { ASSOCIATION_STATUSES } from '../linking/pending-association.ts';
import { MAIL_TEMPLATES } from '../mail/mail-templates.ts';
import { OUTBOX_STATUSES } from '../mail/outbox-store.ts';
import { webhookDeliveryView } from '../events/delivery-admin.ts';

/**
 * What the admin API and the staff console show of the broker's records: the API's representations of the domain
 * types (string ids, ISO-8601 times, enums for states). The view functions are typed by these schemas, the OpenAPI
 * document names each of them under `components.schemas`, and the tests check every answer against them, so the
 * published contract, the code and the answers cannot drift apart.
 */

/** Every schema with an id here becomes `#/components/schemas/<id>` in the OpenAPI document. */
export const representations = z.registry<{ id: string; description: string; examples: unknown[] }>();

const ID = '65f1c0ffee0000000000a001';
const TIME = '2026-12-01T09:30:00.000Z';
const id = () => z.string().describe('A 24-hex-digit id');
const time = () => z.iso.datetime().describe('ISO-8601, UTC');

/** The same entries as a list, for the tests that check each example against its schema. */
export const NAMED_REPRESENTATIONS: Array<{ name: string; schema: z.ZodType; example: unknown }> = [];

function named<S extends z.ZodType>(schema: S, name: string, description: string, example: z.output<S>): S {
  representations.add(schema, { id: name, description, examples: [example] });
  NAMED_REPRESENTATIONS.push({ name, schema, example });
  return schema;
}

export const PlanRep = named(
  z.strictObject({ type: z.string(), expiresAt: time() }),
  'Plan',
  'A support or enhancement plan of an account; it counts until it expires.',
  { type: 'support', expiresAt: '2027-12-31T00:00:00.000Z' },
);

export const AccountRep = named(
  z.strictObject({
    id: id(),
    customerNumber: z.string(),
    name: z.string(),
    status: z.enum(['active', 'disabled']),
    plans: z.array(PlanRep),
  }),
  'Account',
  'A customer account (an organisation).',
  {
    id: ID,
    customerNumber: 'C-1001',
    name: 'Contoso Ltd',
    status: 'active',
    plans: [{ type: 'support', expiresAt: '2027-12-31T00:00:00.000Z' }],
  },
);

export const ContactRep = named(
  z.strictObject({
    id: id(),
    accountId: id(),
    email: z.email(),
    name: z.string().nullable(),
    status: z.enum(['active', 'disabled']),
    personId: id().nullable().describe('The person acting as this contact, if one is linked'),
  }),
  'Contact',
  'An address registered on an account; a person links a sign-in to it by proving the address.',
  { id: ID, accountId: ID, email: 'jo@contoso.example', name: 'Jo Doe', status: 'active', personId: null },
);

export const SignInRep = named(
  z.strictObject({
    id: id(),
    personId: id(),
    upstreamId: z.string().describe('The configured upstream (`upstreams[].id`)'),
    issuer: z.string(),
    subject: z.string(),
    signInName: z.string().nullable().describe('How the sign-in named itself upstream, masked or bounded'),
    email: z.string().nullable().describe('The address the upstream reported at the last sign-in, if any'),
    linkedAt: time(),
    firstUsedAt: time().nullable(),
    lastUsedAt: time().nullable(),
    lastPortal: z.string().nullable().describe('The portal (client id) that asked for the last sign-in'),
  }),
  'SignIn',
  'One upstream identity of a person (a Microsoft, Google, Apple or other OpenID account).',
  {
    id: ID,
    personId: ID,
    upstreamId: 'microsoft',
    issuer: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0',
    subject: 'AAAAAAAAAAAAAAAAAAAAAJ0x',
    signInName: 'j***@outlook.example',
    email: 'jo@outlook.example',
    linkedAt: TIME,
    firstUsedAt: TIME,
    lastUsedAt: TIME,
    lastPortal: 'customersource',
  },
);

/** The stored states and the derived `expired` (association-flow.ts's stateOf). */
const ASSOCIATION_STATES = [...ASSOCIATION_STATUSES, 'expired'] as const;

export const AssociationRep = named(
  z.strictObject({
    id: id(),
    upstreamId: z.string(),
    subject: z.string(),
    signInName: z.string(),
    enteredEmail: z.string().describe('The address the person typed, masked'),
    contactIds: z.array(id()),
    state: z.enum(ASSOCIATION_STATES),
    createdAt: time(),
    expiresAt: time(),
    confirmedAt: time().nullable(),
    attempts: z.number().int(),
  }),
  'Association',
  'A request to link a sign-in to the contacts registered under an entered address.',
  {
    id: ID,
    upstreamId: 'microsoft',
    subject: 'AAAAAAAAAAAAAAAAAAAAAJ0x',
    signInName: 'j***@outlook.example',
    enteredEmail: 'j***@contoso.example',
    contactIds: [ID],
    state: 'pending',
    createdAt: TIME,
    expiresAt: '2026-12-02T09:30:00.000Z',
    confirmedAt: null,
    attempts: 0,
  },
);

export const AuditEventRep = named(
  z.strictObject({
    id: id(),
    type: z.enum(AUDIT_EVENT_TYPES),
    at: time(),
    actor: z
      .string()
      .nullable()
      .describe(
        "Who did it: an admin client id, `staff:<subject or address>` for the console, the person's id for their own action, null for the broker",
      ),
    accountId: id().nullable(),
    personId: id().nullable().describe('The person it concerns, if it concerns one'),
    upstreamId: z.string().nullable(),
    subject: z.string().nullable(),
    ip: z.string().nullable(),
    reason: z.string().nullable(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  }),
  'AuditEvent',
  'One entry of the audit trail.',
  {
    id: ID,
    type: 'admin.membership-removed',
    at: TIME,
    actor: 'crm-sync',
    accountId: ID,
    personId: ID,
    upstreamId: 'microsoft',
    subject: 'AAAAAAAAAAAAAAAAAAAAAJ0x',
    ip: '203.0.113.7',
    reason: null,
    detail: { membershipId: ID, role: 'admin' },
  },
);

export const MemberRep = named(
  z.strictObject({
    membershipId: id(),
    personId: id(),
    contactId: id(),
    linkedAt: time(),
    signIns: z.array(SignInRep),
    lastSignInAt: time().nullable(),
  }),
  'Member',
  'A person acting for an account as one of its contacts.',
  { membershipId: ID, personId: ID, contactId: ID, linkedAt: TIME, signIns: [], lastSignInAt: null },
);

export const AccountDetailRep = named(
  z.strictObject({
    account: AccountRep,
    contacts: z.array(ContactRep),
    members: z.array(MemberRep),
    pendingAssociations: z.array(AssociationRep),
    recentAudit: z.array(AuditEventRep),
  }),
  'AccountDetail',
  'An account with its contacts, members, pending associations and its most recent audit entries.',
  {
    account: { id: ID, customerNumber: 'C-1001', name: 'Contoso Ltd', status: 'active', plans: [] },
    contacts: [],
    members: [],
    pendingAssociations: [],
    recentAudit: [],
  },
);

export const PersonMembershipRep = named(
  z.strictObject({
    membershipId: id(),
    linkedAt: time(),
    account: AccountRep.nullable(),
    contact: ContactRep.nullable(),
  }),
  'PersonMembership',
  'An account a person acts for, and as which contact.',
  { membershipId: ID, linkedAt: TIME, account: null, contact: null },
);

export const PersonRep = named(
  z.strictObject({
    id: id(),
    createdAt: time(),
    signIns: z.array(SignInRep),
    lastSignInAt: time().nullable(),
    memberships: z.array(PersonMembershipRep),
  }),
  'Person',
  'A person (the `sub` portals see) with their sign-ins and the accounts they act for.',
  { id: ID, createdAt: TIME, signIns: [], lastSignInAt: null, memberships: [] },
);

export const MailMessageRep = named(
  z.strictObject({
    id: id(),
    to: z.string(),
    template: z.enum(MAIL_TEMPLATES),
    status: z.enum(OUTBOX_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: time(),
    retry: z
      .strictObject({ messageId: id(), status: z.enum(OUTBOX_STATUSES), at: time(), by: z.string() })
      .nullable()
      .describe('Set once the message was retried: the new message and how it fared'),
  }),
  'MailMessage',
  'An e-mail of the outbox, as support sees it.',
  {
    id: ID,
    to: 'jo@contoso.example',
    template: 'association-linked',
    status: 'failed',
    attempts: 5,
    lastError: 'SendGrid answered 500',
    createdAt: TIME,
    retry: null,
  },
);

export const SupportRequestRep = named(
  z.strictObject({
    id: id(),
    status: z.enum(['open', 'resolved']),
    createdAt: time(),
    signIn: z.strictObject({ upstreamId: z.string(), issuer: z.string(), subject: z.string(), signInName: z.string() }),
    replyTo: z.string(),
    customer: z.string(),
    message: z.string(),
    clientId: z.string().nullable(),
    resolvedAt: time().nullable(),
    resolvedBy: z.string().nullable(),
  }),
  'SupportRequest',
  'A request a person sent from an "Ask support" page, with the sign-in that asked.',
  {
    id: ID,
    status: 'open',
    createdAt: TIME,
    signIn: {
      upstreamId: 'microsoft',
      issuer: 'https://login.example',
      subject: 'AAAJ0x',
      signInName: 'j***@x.example',
    },
    replyTo: 'jo@contoso.example',
    customer: 'C-1001',
    message: 'My old address left the company with me.',
    clientId: 'customersource',
    resolvedAt: null,
    resolvedBy: null,
  },
);

export const LinkResultRep = named(
  z.strictObject({ outcome: z.enum(['linked', 'already-linked']), personId: id(), accountId: id() }),
  'LinkResult',
  'What linking a sign-in on behalf of a person did.',
  { outcome: 'linked', personId: ID, accountId: ID },
);

export const CreatedRep = named(z.strictObject({ id: id() }), 'Created', 'The id of what was created.', { id: ID });

const next = () => z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page');

export const AccountListRep = named(z.strictObject({ accounts: z.array(AccountRep) }), 'AccountList', 'Matches.', {
  accounts: [],
});
export const AssociationListRep = named(
  z.strictObject({ associations: z.array(AssociationRep) }),
  'AssociationList',
  "A sign-in's association requests, newest first.",
  { associations: [] },
);
export const PersonListRep = named(z.strictObject({ people: z.array(PersonRep) }), 'PersonList', 'Matches.', {
  people: [],
});
export const MailMessagePageRep = named(
  z.strictObject({ messages: z.array(MailMessageRep), next: next() }),
  'MailMessagePage',
  'E-mails, newest first.',
  { messages: [], next: null },
);
export const SupportRequestPageRep = named(
  z.strictObject({ supportRequests: z.array(SupportRequestRep), next: next() }),
  'SupportRequestPage',
  'Support requests, newest first.',
  { supportRequests: [], next: null },
);
export const AuditEventPageRep = named(
  z.strictObject({ events: z.array(AuditEventRep), next: next() }),
  'AuditEventPage',
  'Audit entries, newest first.',
  { events: [], next: null },
);

export const WebhookDeliveryRep = named(
  webhookDeliveryView,
  'WebhookDelivery',
  'One event for one endpoint, with how its tries went (docs/webhooks.md).',
  {
    id: ID,
    eventId: '65f1c0ffee0000000000a002-created',
    webhookId: 'msg_65f1c0ffee0000000000a003',
    type: 'support-request.created',
    endpoint: 'https://crm.example/hooks/broker',
    status: 'failed',
    attempts: 14,
    replays: 0,
    nextAttemptAt: null,
    lastStatus: 503,
    lastError: 'the endpoint answered 503',
    createdAt: TIME,
    finishedAt: '2026-12-03T01:30:00.000Z',
    replayedAt: null,
    replayedBy: null,
    event: { type: 'support-request.created', timestamp: TIME, data: { supportRequestId: ID } },
  },
);

export const WebhookDeliveryPageRep = named(
  z.strictObject({ deliveries: z.array(WebhookDeliveryRep), next: next() }),
  'WebhookDeliveryPage',
  'Webhook deliveries, the most recently failed first.',
  { deliveries: [], next: null },
);

/** The codes of `Error.error`: a tool may branch on them; the message is for its operator. */
export const ADMIN_ERROR_CODES = [
  'ADMIN.INVALID_REQUEST',
  'ADMIN.UNAUTHENTICATED',
  'ADMIN.FORBIDDEN',
  'ADMIN.NOT_FOUND',
  'ADMIN.CONFLICT',
  'ADMIN.RETRIED_ALREADY',
] as const;

export const ErrorRep = named(
  z.strictObject({ error: z.enum(ADMIN_ERROR_CODES), message: z.string() }),
  'Error',
  'Why a call was refused.',
  { error: 'ADMIN.FORBIDDEN', message: 'this operation needs the scope admin' },
);

export type PlanView = z.output<typeof PlanRep>;
export type AccountView = z.output<typeof AccountRep>;
export type ContactView = z.output<typeof ContactRep>;
export type SignInView = z.output<typeof SignInRep>;
export type AssociationView = z.output<typeof AssociationRep>;
export type AuditEventView = z.output<typeof AuditEventRep>;
export type MailMessageView = z.output<typeof MailMessageRep>;
export type SupportRequestView = z.output<typeof SupportRequestRep>;
export type AccountDetailView = z.output<typeof AccountDetailRep>;
export type PersonView = z.output<typeof PersonRep>;
