import { idOf } from '../accounts/people-directory.ts';
import { maskEmail } from '../audit/mask-email.ts';
import { stateOf } from '../linking/association-flow.ts';
import { linkAtOnce } from '../linking/link-at-once.ts';
import type { PendingAssociation } from '../linking/pending-association.ts';
import { requestAssociation } from '../linking/request-association.ts';
import { recordAdminChange } from './admin-audit.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminConflict, AdminInvalidRequest, AdminNotFound } from './admin-errors.ts';
import type { AdminActor } from './admin-roles.ts';
import { associationView } from './account-views.ts';

async function findAssociation(context: AdminContext, id: string): Promise<PendingAssociation> {
  const record = await context.linking.pending.findById(id);
  if (!record) throw new AdminNotFound('pending association');
  return record;
}

/**
 * A new link for the same sign-in, through the flow's own request: it goes only to the address registered for the
 * contact the person entered (never anywhere staff type), the older links are superseded, and the same rate limits
 * apply, so support cannot be made to flood an address. Pending or expired associations only: a confirmed or
 * cancelled one is finished, and a superseded one has a newer link that is the one to resend.
 */
export async function resendAssociation(context: AdminContext, actor: AdminActor, id: string, locale: string) {
  const record = await findAssociation(context, id);
  const state = stateOf(record, context.now());
  if (state !== 'pending' && state !== 'expired')
    throw new AdminConflict(`the association is ${state}; only a pending or expired one is resent`);
  const contacts = await context.linking.contacts.joinableContacts(record.enteredEmail);
  if (contacts.length === 0)
    throw new AdminConflict(
      'the entered address is not registered on an active account: there is nowhere to send a link',
    );
  await requestAssociation(context.linking, {
    // The record's own sign-in name stands in for the upstream's (it is already the masked address or bounded name).
    identity: {
      upstreamId: record.upstreamId,
      issuer: record.issuer,
      subject: record.subject,
      name: record.signInName,
    },
    enteredEmail: record.enteredEmail,
    clientId: record.clientId,
    interactionUid: null,
    origin: { ip: actor.ip, locale },
  });
  const created = await context.linking.pending.newestOf(record.issuer, record.subject);
  if (!created || created.id === record.id) throw new Error('the resent association was not stored');
  await recordAdminChange(context, actor, {
    type: 'admin.association-resent',
    accountId: contacts[0]?.account.id ?? null,
    upstreamId: record.upstreamId,
    subject: record.subject,
    detail: {
      pendingId: record.id,
      newPendingId: created.id,
      to: maskEmail(record.enteredEmail),
    },
  });
  return associationView(created, context.now());
}

/** The link stops working at once, and whatever a confirmation racing this cancel wrote is removed (as for the recipient's cancel). */
export async function cancelAssociationBySupport(context: AdminContext, actor: AdminActor, id: string) {
  const record = await findAssociation(context, id);
  const state = stateOf(record, context.now());
  if (state !== 'pending' && state !== 'expired')
    throw new AdminConflict(`the association is ${state}; only a pending one is cancelled`);
  if (!(await context.linking.pending.transition(record.id, 'pending', 'cancelled', context.now()))) {
    throw new AdminConflict('the association changed meanwhile; read it again');
  }
  await context.linking.memberships.unlinkAssociation(record.id);
  await recordAdminChange(context, actor, {
    type: 'admin.association-cancelled',
    accountIds: (await context.linking.contacts.contactsByIds(record.contactIds)).map((c) => c.account.id),
    upstreamId: record.upstreamId,
    subject: record.subject,
    detail: {
      pendingId: record.id,
      contactIds: record.contactIds.join(' '),
    },
  });
  await context.events.publish(
    'association.cancelled',
    {
      associationId: record.id,
      signIn: { upstreamId: record.upstreamId, issuer: record.issuer, subject: record.subject },
      reason: 'cancelled',
      actor: { type: 'support', id: actor.id },
    },
    { eventId: `${record.id}-ended` },
  );
  const current = await context.linking.pending.findById(id);
  return associationView(current ?? record, context.now());
}

export interface OnBehalfLink {
  contactId: string;
  upstreamId: string;
  subject: string;
  /** How the notice names the sign-in (its masked address, say); empty when staff know none. */
  signInName?: string;
  locale: string;
}

/**
 * Staff have checked who the person is and link their sign-in to a contact, at once (link-at-once.ts): the
 * contact's registered address is told, as for the person's own confirmation.
 */
export async function linkOnBehalf(context: AdminContext, actor: AdminActor, request: OnBehalfLink) {
  const contactId = idOf(request.contactId);
  const issuer = context.upstreamIssuer(request.upstreamId);
  if (!issuer) throw new AdminInvalidRequest(`no upstream "${request.upstreamId}" is configured`);
  const linked = await linkAtOnce(context.linking, {
    upstreamId: request.upstreamId,
    issuer,
    subject: request.subject,
    signInName: request.signInName ?? '',
    contactIds: contactId ? [contactId] : [],
    clientId: null,
    origin: { ip: actor.ip, locale: request.locale },
  });
  if (linked.kind === 'no-contact' || !contactId) throw new AdminNotFound('active contact on an active account');
  if (linked.kind === 'taken') {
    throw new AdminConflict('another person already acts as this contact; unlink that membership first');
  }
  if (linked.kind === 'cancelled') throw new AdminConflict('the link was cancelled meanwhile');
  const { personId, outcome, record } = linked;
  const [contact] = linked.contacts;
  await recordAdminChange(context, actor, {
    type: 'admin.identity-linked',
    accountId: contact.account.id,
    personId,
    upstreamId: request.upstreamId,
    subject: request.subject,
    detail: {
      pendingId: record.id,
      contactId,
      personId,
      outcome: outcome.kind,
      notified: outcome.kind === 'linked' ? maskEmail(contact.contact.email) : null,
    },
  });
  return { outcome: outcome.kind, personId, accountId: contact.account.id };
}
