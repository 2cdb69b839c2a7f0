import { idOf } from '../accounts/people-directory.ts';
import { maskEmail } from '../audit/mask-email.ts';
import { stateOf } from '../linking/association-flow.ts';
import { hashLinkToken, newLinkToken } from '../linking/link-token.ts';
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
 * Staff have checked who the person is and link their sign-in to a contact. It runs as an association that is
 * confirmed at once (no link is ever sent: its token is random and thrown away), so the membership is written by
 * the flow's own rules, and the confirmation hook tells the contact's registered address, as it does for a person's
 * own confirmation: a link made by staff is never silent.
 */
export async function linkOnBehalf(context: AdminContext, actor: AdminActor, request: OnBehalfLink) {
  const contactId = idOf(request.contactId);
  const issuer = context.upstreamIssuer(request.upstreamId);
  if (!issuer) throw new AdminInvalidRequest(`no upstream "${request.upstreamId}" is configured`);
  const contacts = contactId ? await context.linking.contacts.contactsByIds([contactId]) : [];
  const contact = contacts[0];
  if (!contact || !contactId) throw new AdminNotFound('active contact on an active account');
  const now = context.now();
  const record = await context.linking.pending.create(
    {
      issuer,
      subject: request.subject,
      upstreamId: request.upstreamId,
      signInName: request.signInName ?? '',
      enteredEmail: contact.contact.email,
      contactIds: [contactId],
      expiresAt: new Date(now.getTime() + context.linking.linkTtlMs),
      clientId: null,
      interactionUid: null,
    },
    hashLinkToken(newLinkToken()),
    now,
  );
  const outcome = await context.linking.memberships.link(
    {
      upstreamId: request.upstreamId,
      issuer,
      subject: request.subject,
      signInName: record.signInName,
      contactIds: [contactId],
      associationId: record.id,
    },
    now,
  );
  if (outcome.kind === 'taken') {
    await context.linking.pending.transition(record.id, 'pending', 'cancelled', now);
    throw new AdminConflict('another person already acts as this contact; unlink that membership first');
  }
  const { personId } = outcome;
  // Only `taken` comes without a person (people.ts).
  if (personId === null) throw new Error('a link outcome without a person');
  if (!(await context.linking.pending.transition(record.id, 'pending', 'confirmed', now))) {
    await context.linking.memberships.unlinkAssociation(record.id);
    throw new AdminConflict('the link was cancelled meanwhile');
  }
  await context.linking.hooks.confirmed({
    record,
    contacts,
    outcome,
    origin: { ip: actor.ip, locale: request.locale },
  });
  await recordAdminChange(context, actor, {
    type: 'admin.identity-linked',
    accountId: contact.account.id,
    personId,
    upstreamId: request.upstreamId,
    subject: request.subject,
    detail: {
      pendingId: record.id,
      contactId,
      personId: outcome.personId,
      outcome: outcome.kind,
      notified: outcome.kind === 'linked' ? maskEmail(contact.contact.email) : null,
    },
  });
  return { outcome: outcome.kind, personId, accountId: contact.account.id };
}
