import type { JoinableContact, LinkOutcome } from '../accounts/people.ts';
import type { Origin } from './association-hooks.ts';
import { hashLinkToken, newLinkToken } from './link-token.ts';
import type { LinkingContext } from './linking-context.ts';
import type { PendingAssociation } from './pending-association.ts';

/** A sign-in to link to contacts without an e-mailed link: someone else already proved who the person is. */
export interface ImmediateLink {
  upstreamId: string;
  issuer: string;
  subject: string;
  /** How the notice names the sign-in (its masked address, say); empty when unknown. */
  signInName: string;
  contactIds: readonly string[];
  clientId: string | null;
  origin: Origin;
}

export type ImmediateLinkOutcome =
  | {
      kind: 'linked';
      personId: string;
      outcome: LinkOutcome & { kind: 'linked' | 'already-linked' };
      record: PendingAssociation;
      /** The contacts linked, the first of those asked for first. */
      contacts: readonly [JoinableContact, ...JoinableContact[]];
    }
  /** None of the contacts is active on an active account. */
  | { kind: 'no-contact' }
  /** Every contact belongs to another person. */
  | { kind: 'taken' }
  /** The association was cancelled while it was being written (support, a newer request). */
  | { kind: 'cancelled' };

/**
 * Links a sign-in at once, for staff who checked who the person is and for a person adding a sign-in while signed
 * in with a linked one: an association confirmed as it is created (no link is ever sent: its token is random and
 * thrown away), so the membership is written by the flow's own rules, and the confirmation hooks tell the contact's
 * registered address (with "This wasn't me") and the customer system, as for a confirmation by e-mail. A link made
 * this way is never silent.
 */
export async function linkAtOnce(linking: LinkingContext, request: ImmediateLink): Promise<ImmediateLinkOutcome> {
  const contacts = request.contactIds.length > 0 ? await linking.contacts.contactsByIds(request.contactIds) : [];
  const [first, ...others] = contacts;
  if (!first) return { kind: 'no-contact' };
  const contactIds = contacts.map((c) => c.contact.id);
  const now = linking.now();
  const record = await linking.pending.create(
    {
      issuer: request.issuer,
      subject: request.subject,
      upstreamId: request.upstreamId,
      signInName: request.signInName,
      enteredEmail: first.contact.email,
      contactIds,
      expiresAt: new Date(now.getTime() + linking.linkTtlMs),
      clientId: request.clientId,
      interactionUid: null,
    },
    hashLinkToken(newLinkToken()),
    now,
  );
  const { upstreamId, issuer, subject } = request;
  const outcome = await linking.memberships.link(
    { upstreamId, issuer, subject, signInName: record.signInName, contactIds, associationId: record.id },
    now,
  );
  if (outcome.kind === 'taken' || outcome.personId === null) {
    await linking.pending.transition(record.id, 'pending', 'cancelled', now);
    return { kind: 'taken' };
  }
  if (!(await linking.pending.transition(record.id, 'pending', 'confirmed', now))) {
    await linking.memberships.unlinkAssociation(record.id);
    return { kind: 'cancelled' };
  }
  await linking.hooks.confirmed({ record, contacts, outcome, origin: request.origin });
  return {
    kind: 'linked',
    personId: outcome.personId,
    outcome: { ...outcome, kind: outcome.kind },
    record,
    contacts: [first, ...others],
  };
}
