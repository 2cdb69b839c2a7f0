/** What the audit trail records: the event types, for the schema, the admin API's filters and the console. */
export const AUDIT_EVENT_TYPES = [
  'association.requested',
  'association.confirmed',
  'association.refused',
  'association.cancelled',
  'association.superseded',
  // "This wasn't me" on the notice after a confirmation: the association undone, its sessions ended.
  'association.disowned',
  'mail.sent',
  'mail.failed',
  // An association e-mail not sent because its link expired before delivery was possible.
  'mail.expired',
  // Changes made through the admin API; `detail.actor` names the client (src/admin).
  'admin.account-created',
  'admin.account-changed',
  'admin.contact-added',
  'admin.contact-changed',
  'admin.association-resent',
  'admin.association-cancelled',
  'admin.membership-removed',
  'admin.identity-removed',
  'admin.identity-linked',
  'admin.mail-retried',
  'admin.support-request-resolved',
  // A webhook delivery sent again from its first try (src/admin/webhook-deliveries.ts).
  'admin.webhook-replayed',
  // A person asked support from the association page (src/admin/support-requests).
  'support.requested',
  // Sign-ins to the support console: who got in, and sign-ins at the console upstream that are not staff.
  'admin.console-signed-in',
  'admin.console-refused',
  // What a person did on their own page (src/me), with the person as actor.
  'person.membership-left',
  'person.identity-added',
  'person.identity-removed',
  'person.signed-out-everywhere',
  'person.data-exported',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
