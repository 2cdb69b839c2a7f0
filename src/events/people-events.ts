import type { Identity, MembershipEntry } from '../accounts/people.ts';
import type { WebhookEventData } from './event-types.ts';

type Actor = WebhookEventData<'identity.removed'>['actor'];

// The payloads of a removed sign-in and of an ended membership, written once for every place that removes one
// (support, the person's own page).

export function identityRemovedData(identity: Identity, actor: Actor): WebhookEventData<'identity.removed'> {
  return {
    identityId: identity.id,
    personId: identity.personId,
    signIn: { upstreamId: identity.upstreamId, issuer: identity.issuer, subject: identity.subject },
    actor,
  };
}

export function membershipRemovedData(
  membership: MembershipEntry,
  actor: Actor,
): WebhookEventData<'membership.removed'> {
  return {
    membershipId: membership.id,
    personId: membership.personId,
    accountId: membership.accountId,
    contactId: membership.contactId,
    actor,
  };
}
