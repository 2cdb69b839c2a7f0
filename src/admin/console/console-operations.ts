/**
 * The admin operations the console uses: reads behind its pages and actions behind its forms. Both are rows of the
 * operation table (api/admin-operations.ts), so the OpenAPI document lists every route the console relies on; a
 * test holds the two together.
 */
export const CONSOLE_READS: ReadonlySet<string> = new Set([
  'searchAccounts',
  'searchPeople',
  'getAccount',
  'getPerson',
  'listAssociations',
  'listSupportRequests',
  'listMailFailures',
  'searchAudit',
  'listWebhookFailures',
]);

export const CONSOLE_ACTIONS: ReadonlySet<string> = new Set([
  'createAccount',
  'changeAccount',
  'addContact',
  'changeContact',
  'linkSignIn',
  'removeMembership',
  'removeSignIn',
  'resendAssociation',
  'cancelAssociation',
  'retryMail',
  'resolveSupportRequest',
  'replayWebhookDelivery',
]);
