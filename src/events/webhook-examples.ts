import type { WebhookEventData, WebhookEventType } from './event-types.ts';

const signIn = {
  upstreamId: 'google',
  issuer: 'https://accounts.google.com',
  subject: '108234567890123456789',
};
const support = { type: 'support', id: 'crm-sync' } as const;

/** One example of each event's data, for the OpenAPI document and docs/webhooks.md (the tests parse each). */
export const WEBHOOK_EVENT_EXAMPLES: { readonly [T in WebhookEventType]: WebhookEventData<T> } = {
  'association.requested': {
    associationId: '6752a1f0c3b4d5e6f7a8b9c0',
    signIn,
    contactIds: ['6752a1f0c3b4d5e6f7a8b9c1'],
    clientId: 'customersource',
    expiresAt: '2026-12-01T11:00:00.000Z',
  },
  'association.confirmed': {
    associationId: '6752a1f0c3b4d5e6f7a8b9c0',
    personId: '6752a1f0c3b4d5e6f7a8b9c2',
    signIn,
    accountIds: ['6752a1f0c3b4d5e6f7a8b9c3'],
    contactIds: ['6752a1f0c3b4d5e6f7a8b9c1'],
    clientId: 'customersource',
  },
  'association.cancelled': {
    associationId: '6752a1f0c3b4d5e6f7a8b9c0',
    signIn,
    reason: 'cancelled',
    actor: support,
  },
  'identity.removed': {
    identityId: '6752a1f0c3b4d5e6f7a8b9c4',
    personId: '6752a1f0c3b4d5e6f7a8b9c2',
    signIn,
    actor: support,
  },
  'membership.added': {
    membershipId: '6752a1f0c3b4d5e6f7a8b9c5',
    personId: '6752a1f0c3b4d5e6f7a8b9c2',
    accountId: '6752a1f0c3b4d5e6f7a8b9c3',
    contactId: '6752a1f0c3b4d5e6f7a8b9c1',
    associationId: '6752a1f0c3b4d5e6f7a8b9c0',
    actor: { type: 'person', id: '6752a1f0c3b4d5e6f7a8b9c2' },
  },
  'membership.removed': {
    membershipId: '6752a1f0c3b4d5e6f7a8b9c5',
    personId: '6752a1f0c3b4d5e6f7a8b9c2',
    accountId: '6752a1f0c3b4d5e6f7a8b9c3',
    contactId: '6752a1f0c3b4d5e6f7a8b9c1',
    actor: support,
  },
  'person.sessions-ended': {
    personId: '6752a1f0c3b4d5e6f7a8b9c2',
    reason: 'not-me',
    associationId: '6752a1f0c3b4d5e6f7a8b9c0',
    actor: { type: 'person', id: null },
  },
  'support-request.created': {
    supportRequestId: '6752a1f0c3b4d5e6f7a8b9c6',
    kind: 'ask-support',
    signIn,
    clientId: 'customersource',
  },
  'account.changed': {
    accountId: '6752a1f0c3b4d5e6f7a8b9c3',
    customerNumber: 'C-10042',
    change: 'updated',
    fields: ['plans', 'contacts'],
    contactIds: ['6752a1f0c3b4d5e6f7a8b9c7'],
    actor: support,
  },
};

/** When the examples happened. */
export const EXAMPLE_TIMESTAMP = '2026-12-01T10:00:00.000Z';
