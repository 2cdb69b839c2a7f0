import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '../../audit/audit-event-types.ts';
import type { AdminContext } from '../admin-context.ts';
import type { AdminActor, AdminRole } from '../admin-roles.ts';
import { cursor, instant, repeatable } from './list-parameters.ts';
import { accountDetail, associationsOfSignIn, personDetail, searchAccounts, searchPeople } from '../account-views.ts';
import { addContact, changeAccount, changeContact, createAccount } from '../account-changes.ts';
import { cancelAssociationBySupport, linkOnBehalf, resendAssociation } from '../association-support.ts';
import { auditPage } from '../audit-trail.ts';
import { mailFailures, mailMessage, retryMail } from '../mail-failures.ts';
import { removeMembership, removeSignIn } from '../membership-removal.ts';
import {
  AccountDetailRep,
  AccountListRep,
  AccountRep,
  AssociationListRep,
  AssociationRep,
  AuditEventPageRep,
  ContactRep,
  CreatedRep,
  LinkResultRep,
  MailMessagePageRep,
  MailMessageRep,
  PersonListRep,
  PersonRep,
  SupportRequestPageRep,
  SupportRequestRep,
  WebhookDeliveryPageRep,
  WebhookDeliveryRep,
} from '../representations.ts';
import { replayWebhookDelivery, webhookDelivery, webhookFailures } from '../webhook-deliveries.ts';
import { resolveSupportRequest, supportRequestPage } from '../support-requests/support-request-cases.ts';

/**
 * The admin API as a table, one row per operation: method, path, the role it needs, what it takes and which
 * function does it. The router (admin-api-routes.ts), the OpenAPI document (openapi.ts) and the CLI
 * (scripts/admin.ts) are all built from this table, so none of them can list a route the others do not know.
 */
export interface AdminOperation {
  operationId: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI template under /admin/api/v1 (`/accounts/{accountId}`). */
  path: string;
  role: AdminRole;
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodObject;
  /** 200 with the result, 201 for a creation, 204 for a removal. */
  status: 200 | 201 | 204;
  /** The body of the 200 or 201 answer (a named schema of representations.ts); none for 204. */
  response?: z.ZodType;
  /** Parses the call's query and body with the row's own schemas, then does the work. */
  run(context: AdminContext, call: OperationCall): Promise<unknown>;
}

export interface OperationCall {
  actor: AdminActor;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

type Parsed<S> = S extends z.ZodObject ? z.output<S> : Record<string, never>;

/** What a row's `run` resolves with: its response schema's output; for a 204 whatever it is, since none is sent. */
type Answer<R> = R extends z.ZodType ? z.output<R> : unknown;

interface OperationSpec<Q, B, R> extends Omit<AdminOperation, 'run' | 'query' | 'body' | 'response'> {
  query?: Q;
  body?: B;
  response?: R;
  /** Typed by `response`: a row cannot answer what its published schema does not describe. */
  run(
    context: AdminContext,
    call: { actor: AdminActor; params: Record<string, string>; query: Parsed<Q>; body: Parsed<B> },
  ): Promise<NoInfer<Answer<R>>>;
}

function parse<S extends z.ZodObject | undefined>(schema: S | undefined, input: Record<string, unknown>): Parsed<S> {
  return (schema ? schema.parse(input) : {}) as Parsed<S>;
}

/** A row of the table, typed by its own schemas: its `run` sees the query and body as they parse. */
function operation<
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodObject | undefined = undefined,
  R extends z.ZodType | undefined = undefined,
>(spec: OperationSpec<Q, B, R>): AdminOperation {
  return {
    ...spec,
    run: (context, call) =>
      spec.run(context, { ...call, query: parse(spec.query, call.query), body: parse(spec.body, call.body) }),
  };
}

const locale = z.enum(['en', 'de']).default('en').describe('Language of the e-mail that the change sends');
const status = z.enum(['active', 'disabled']);
const plan = z.object({ type: z.string().min(1), expiresAt: z.iso.datetime().transform((s) => new Date(s)) });
const limit = z.coerce.number().int().min(1).max(500).optional();

export const ADMIN_OPERATIONS: readonly AdminOperation[] = [
  operation({
    operationId: 'searchAccounts',
    method: 'get',
    path: '/accounts',
    role: 'support',
    summary: 'Find accounts by customer number, name (contains) or a contact address',
    query: z.object({ q: z.string().min(1).max(200) }),
    status: 200,
    response: AccountListRep,
    run: async (context, { query }) => ({ accounts: await searchAccounts(context, query.q) }),
  }),
  operation({
    operationId: 'getAccount',
    method: 'get',
    path: '/accounts/{accountId}',
    role: 'support',
    summary: 'An account with its contacts, members (sign-ins, last sign-in), pending associations and recent audit',
    status: 200,
    response: AccountDetailRep,
    run: (context, { params }) => accountDetail(context, params.accountId ?? ''),
  }),
  operation({
    operationId: 'createAccount',
    method: 'post',
    path: '/accounts',
    role: 'admin',
    summary: 'Create an account',
    body: z.object({
      customerNumber: z.string().min(1).max(100),
      name: z.string().min(1).max(300),
      plans: z.array(plan).default([]),
      status: status.default('active'),
    }),
    status: 201,
    response: AccountRep,
    run: (context, { actor, body }) => createAccount(context, actor, body),
  }),
  operation({
    operationId: 'changeAccount',
    method: 'patch',
    path: '/accounts/{accountId}',
    role: 'admin',
    summary: "Change an account's name or plans, or disable (enable) it",
    body: z.object({
      name: z.string().min(1).max(300).optional(),
      plans: z.array(plan).optional(),
      status: status.optional(),
    }),
    status: 200,
    response: AccountRep,
    run: (context, { actor, params, body }) => changeAccount(context, actor, params.accountId ?? '', body),
  }),
  operation({
    operationId: 'addContact',
    method: 'post',
    path: '/accounts/{accountId}/contacts',
    role: 'admin',
    summary: 'Register an address as a contact of the account',
    body: z.object({ email: z.email(), name: z.string().max(300).nullable().optional() }),
    status: 201,
    response: ContactRep,
    run: (context, { actor, params, body }) => addContact(context, actor, params.accountId ?? '', body),
  }),
  operation({
    operationId: 'changeContact',
    method: 'patch',
    path: '/contacts/{contactId}',
    role: 'admin',
    summary: "Change a contact's address or name, or disable (enable) it",
    body: z.object({
      email: z.email().optional(),
      name: z.string().max(300).nullable().optional(),
      status: status.optional(),
    }),
    status: 200,
    response: ContactRep,
    run: (context, { actor, params, body }) => changeContact(context, actor, params.contactId ?? '', body),
  }),
  operation({
    operationId: 'linkSignIn',
    method: 'post',
    path: '/contacts/{contactId}/sign-ins',
    role: 'admin',
    summary: "Link a person's upstream sign-in to the contact on their behalf (the registered address is notified)",
    body: z.object({
      upstreamId: z.string().min(1),
      subject: z.string().min(1).max(255),
      signInName: z.string().max(200).optional(),
      locale,
    }),
    status: 201,
    response: LinkResultRep,
    run: (context, { actor, params, body }) =>
      linkOnBehalf(context, actor, { ...body, contactId: params.contactId ?? '' }),
  }),
  operation({
    operationId: 'searchPeople',
    method: 'get',
    path: '/people',
    role: 'support',
    summary: "Find people by a sign-in (`<upstreamId>:<subject>`) or an address (a sign-in's or a contact's)",
    query: z
      .object({ signIn: z.string().min(3).max(400).optional(), email: z.string().min(3).max(254).optional() })
      .refine((q) => q.signIn !== undefined || q.email !== undefined, { message: 'give signIn or email' }),
    status: 200,
    response: PersonListRep,
    run: (context, { query }) => searchPeople(context, query),
  }),
  operation({
    operationId: 'getPerson',
    method: 'get',
    path: '/people/{personId}',
    role: 'support',
    summary: 'A person with their sign-ins and memberships',
    status: 200,
    response: PersonRep,
    run: (context, { params }) => personDetail(context, params.personId ?? ''),
  }),
  operation({
    operationId: 'removeMembership',
    method: 'delete',
    path: '/memberships/{membershipId}',
    role: 'admin',
    summary: "End a person's membership of an account",
    status: 204,
    run: (context, { actor, params }) => removeMembership(context, actor, params.membershipId ?? ''),
  }),
  operation({
    operationId: 'removeSignIn',
    method: 'delete',
    path: '/sign-ins/{signInId}',
    role: 'admin',
    summary: 'Remove an upstream sign-in of a person (lost or stolen)',
    status: 204,
    run: (context, { actor, params }) => removeSignIn(context, actor, params.signInId ?? ''),
  }),
  operation({
    operationId: 'listAssociations',
    method: 'get',
    path: '/associations',
    role: 'support',
    summary: "A sign-in's association requests (entered address masked, state, times), newest first",
    query: z.object({ upstreamId: z.string().min(1), subject: z.string().min(1).max(255) }),
    status: 200,
    response: AssociationListRep,
    run: async (context, { query }) => ({ associations: await associationsOfSignIn(context, query) }),
  }),
  operation({
    operationId: 'resendAssociation',
    method: 'post',
    path: '/associations/{associationId}/resend',
    role: 'support',
    summary: 'Send a new link to the registered address; the older link stops working',
    body: z.object({ locale }),
    status: 201,
    response: AssociationRep,
    run: (context, { actor, params, body }) =>
      resendAssociation(context, actor, params.associationId ?? '', body.locale),
  }),
  operation({
    operationId: 'cancelAssociation',
    method: 'post',
    path: '/associations/{associationId}/cancel',
    role: 'support',
    summary: 'Cancel a pending association: its link stops working',
    status: 200,
    response: AssociationRep,
    run: (context, { actor, params }) => cancelAssociationBySupport(context, actor, params.associationId ?? ''),
  }),
  operation({
    operationId: 'listMailFailures',
    method: 'get',
    path: '/outbox/failures',
    role: 'support',
    summary:
      'E-mails that still need someone, newest first: given up (with their last error; a retried one is no longer ' +
      'listed, its retry is if that fails too) or not sent because their link expired',
    query: z.object({
      limit,
      cursor: z.string().min(1).max(200).optional().describe('The `next` of the page before'),
    }),
    status: 200,
    response: MailMessagePageRep,
    run: (context, { query }) => mailFailures(context, { limit: query.limit ?? 100, cursor: query.cursor }),
  }),
  // After /outbox/failures: that path would match this template too, and the table's order is the router's.
  operation({
    operationId: 'getMailMessage',
    method: 'get',
    path: '/outbox/{messageId}',
    role: 'support',
    summary: 'An e-mail of the outbox and its state; a retried one names the new message and how it fared',
    status: 200,
    response: MailMessageRep,
    run: (context, { params }) => mailMessage(context, params.messageId ?? ''),
  }),
  operation({
    operationId: 'retryMail',
    method: 'post',
    path: '/outbox/{messageId}/retry',
    role: 'support',
    summary:
      'Queue a failed e-mail again as a new message, once (a second retry: 409 ADMIN.RETRIED_ALREADY); link ' +
      'e-mails: resend the association instead',
    status: 201,
    response: CreatedRep,
    run: (context, { actor, params }) => retryMail(context, actor, params.messageId ?? ''),
  }),
  operation({
    operationId: 'listSupportRequests',
    method: 'get',
    path: '/support-requests',
    role: 'support',
    summary:
      'Requests of people stuck on the association page, with the sign-in that asked, newest first, filtered by ' +
      'status, account, person, time and text, a page at a time',
    query: z.object({
      status: z.enum(['open', 'resolved', 'any']).default('open'),
      accountId: z.string().optional().describe("Requests sent by a sign-in of one of the account's members"),
      personId: z.string().optional().describe("Requests sent by one of the person's sign-ins"),
      createdFrom: instant('Created from this time (included)').optional(),
      createdTo: instant('Created before this time (excluded)').optional(),
      q: z
        .string()
        .max(200)
        .optional()
        .describe('Text in the message, customer, reply address or sign-in name (any case, taken literally)'),
      limit,
      cursor,
    }),
    status: 200,
    response: SupportRequestPageRep,
    run: (context, { query: { limit: max, cursor: after, ...query } }) =>
      supportRequestPage(context, query, { limit: max ?? 100, cursor: after }),
  }),
  operation({
    operationId: 'resolveSupportRequest',
    method: 'post',
    path: '/support-requests/{supportRequestId}/resolve',
    role: 'support',
    summary: 'Mark a support request answered (audited, with an optional note)',
    body: z.object({ note: z.string().max(500).optional() }),
    status: 200,
    response: SupportRequestRep,
    run: (context, { actor, params, body }) =>
      resolveSupportRequest(context, actor, params.supportRequestId ?? '', body.note),
  }),
  operation({
    operationId: 'searchAudit',
    method: 'get',
    path: '/audit',
    role: 'support',
    summary: 'The audit trail, newest first, filtered by actor, types, account, person and time, a page at a time',
    query: z.object({
      actor: z.string().min(1).max(300).optional().describe('An admin client id, `staff:<...>`, or a person id'),
      type: repeatable(z.enum(AUDIT_EVENT_TYPES), 'Any of these types (repeat the parameter)').optional(),
      accountId: z.string().optional(),
      personId: z.string().optional().describe("The person's sign-ins, and entries that name the person"),
      from: instant('From this time (included)').optional(),
      to: instant('Before this time (excluded)').optional(),
      since: instant('Same as `from` (older name)').optional(),
      until: instant('Same as `to` (older name)').optional(),
      limit,
      cursor,
    }),
    status: 200,
    response: AuditEventPageRep,
    run: (context, { query }) => {
      const { limit: max, cursor: after, type, from, to, since, until, ...filter } = query;
      const window = { from: from ?? since, to: to ?? until };
      return auditPage(context, { ...filter, ...window, types: type }, { limit: max ?? 100, cursor: after });
    },
  }),
  operation({
    operationId: 'listWebhookFailures',
    method: 'get',
    path: '/webhooks/failures',
    role: 'support',
    summary: 'Webhook deliveries that failed for good (tries used up, or refused with a 4xx), most recent first',
    query: z.object({ limit, cursor: z.string().max(500).optional() }),
    status: 200,
    response: WebhookDeliveryPageRep,
    run: (context, { query }) => webhookFailures(context, query.limit ?? 100, query.cursor),
  }),
  operation({
    operationId: 'getWebhookDelivery',
    method: 'get',
    path: '/webhooks/deliveries/{deliveryId}',
    role: 'support',
    summary: 'One webhook delivery: its event as sent and how its tries went',
    status: 200,
    response: WebhookDeliveryRep,
    run: (context, { params }) => webhookDelivery(context, params.deliveryId ?? ''),
  }),
  operation({
    operationId: 'replayWebhookDelivery',
    method: 'post',
    path: '/webhooks/deliveries/{deliveryId}/replay',
    role: 'support',
    summary: 'Try a failed or delivered webhook delivery again, with the same webhook-id (audited)',
    status: 200,
    response: WebhookDeliveryRep,
    run: (context, { actor, params }) => replayWebhookDelivery(context, actor, params.deliveryId ?? ''),
  }),
];
