import type { Membership } from '../accounts/people.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { AssociationHooks } from './association-hooks.ts';
import type { PendingAssociation } from './pending-association.ts';

export interface AssociationEventSettings {
  events: EventPublisher;
  /** The person's memberships: a confirmation tells which of them its association made. */
  membershipsOf(personId: string): Promise<readonly Membership[]>;
}

const signInOf = (record: PendingAssociation) => ({
  upstreamId: record.upstreamId,
  issuer: record.issuer,
  subject: record.subject,
});

const BROKER = { type: 'broker', id: null } as const;
const PERSON = { type: 'person', id: null } as const;

/**
 * The association flow's steps as events for the customer system (docs/webhooks.md). Each event's id is derived
 * from the association and the step, so a step the flow repeats (a retried confirmation) is delivered once.
 */
export function associationEvents({ events, membershipsOf }: AssociationEventSettings): AssociationHooks {
  return {
    async requested({ record, contacts }) {
      await events.publish(
        'association.requested',
        {
          associationId: record.id,
          signIn: signInOf(record),
          contactIds: contacts.map((c) => c.contact.id),
          clientId: record.clientId,
          expiresAt: record.expiresAt.toISOString(),
        },
        { eventId: `${record.id}-requested`, at: record.createdAt },
      );
    },

    async superseded({ record }) {
      await events.publish(
        'association.cancelled',
        { associationId: record.id, signIn: signInOf(record), reason: 'superseded', actor: BROKER },
        { eventId: `${record.id}-ended` },
      );
    },

    async confirmed({ record, contacts, outcome }) {
      const { personId } = outcome;
      if (outcome.kind === 'taken' || personId === null) return;
      const joined = contacts.filter((c) => outcome.accountIds.includes(c.account.id));
      await events.publish(
        'association.confirmed',
        {
          associationId: record.id,
          personId,
          signIn: signInOf(record),
          accountIds: [...outcome.accountIds],
          contactIds: joined.map((c) => c.contact.id),
          clientId: record.clientId,
        },
        { eventId: `${record.id}-confirmed` },
      );
      // Reading the memberships costs a query on the confirmation's path: only for an endpoint that wants them.
      if (outcome.kind !== 'linked' || !events.wants('membership.added')) return;
      const made = (await membershipsOf(personId)).filter((m) => m.membership.associationId === record.id);
      for (const { membership } of made) {
        await events.publish(
          'membership.added',
          {
            membershipId: membership.id,
            personId,
            accountId: membership.accountId,
            contactId: membership.contactId,
            associationId: record.id,
            actor: { type: 'person', id: personId },
          },
          { eventId: `${membership.id}-added` },
        );
      }
    },

    async cancelled({ record }) {
      await events.publish(
        'association.cancelled',
        { associationId: record.id, signIn: signInOf(record), reason: 'cancelled', actor: PERSON },
        { eventId: `${record.id}-ended` },
      );
    },

    async disowned({ record, personId }) {
      await events.publish(
        'association.cancelled',
        { associationId: record.id, signIn: signInOf(record), reason: 'disowned', actor: PERSON },
        { eventId: `${record.id}-ended` },
      );
      await events.publish(
        'person.sessions-ended',
        { personId, reason: 'not-me', associationId: record.id, actor: PERSON },
        { eventId: `${record.id}-sessions-ended` },
      );
    },

    async refused() {
      // A refused confirmation changes nothing the customer system keeps.
    },
  };
}

/** Hooks run one after the other, in the order given (the audit and e-mails first, then the events). */
export function allHooks(...hooks: readonly AssociationHooks[]): AssociationHooks {
  const each =
    <K extends keyof AssociationHooks>(name: K) =>
    async (event: Parameters<AssociationHooks[K]>[0]) => {
      for (const hook of hooks) await (hook[name] as (e: typeof event) => Promise<void>)(event);
    };
  return {
    requested: each('requested'),
    superseded: each('superseded'),
    confirmed: each('confirmed'),
    cancelled: each('cancelled'),
    disowned: each('disowned'),
    refused: each('refused'),
  };
}
