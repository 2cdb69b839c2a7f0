import type { Plan } from '../accounts/people.ts';
import { idOf, type AccountPatch, type ContactPatch, type NewAccount } from '../accounts/people-directory.ts';
import { maskEmail } from '../audit/mask-email.ts';
import { recordAdminChange } from './admin-audit.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminConflict, AdminNotFound } from './admin-errors.ts';
import type { AdminActor } from './admin-roles.ts';
import { accountSummary, contactView } from './account-views.ts';

// Accounts and contacts changed one at a time by staff or a CRM (the import is for whole files), through the people
// directory, so that the next sign-in in every process sees the change. A disabled account or contact is kept with
// its memberships, which then give no access: enabling it again restores them. Unique indexes decide duplicates.

export type { AccountPatch, ContactPatch, NewAccount };

const support = (actor: AdminActor) => ({ type: 'support' as const, id: actor.id });

type AccountField = 'name' | 'status' | 'plans' | 'contacts';

/** `account.changed` for the customer system: which fields, never their values (the admin API has those). */
async function announce(
  context: AdminContext,
  actor: AdminActor,
  account: { id: string; customerNumber: string },
  change: { kind: 'created' | 'updated'; fields: AccountField[]; contactIds?: string[] },
): Promise<void> {
  if (change.fields.length === 0) return;
  await context.events.publish('account.changed', {
    accountId: account.id,
    customerNumber: account.customerNumber,
    change: change.kind,
    fields: change.fields,
    contactIds: change.contactIds ?? [],
    actor: support(actor),
  });
}

const planDetail = (plans: readonly Plan[]) => plans.map((p) => `${p.type}@${p.expiresAt.toISOString()}`).join(' ');

export async function createAccount(context: AdminContext, actor: AdminActor, input: NewAccount) {
  const created = await context.directory.createAccount(input);
  if (created === 'duplicate') throw new AdminConflict(`customer number ${input.customerNumber} exists already`);
  await recordAdminChange(context, actor, {
    type: 'admin.account-created',
    accountId: created.id,
    detail: { customerNumber: created.customerNumber, status: created.status, plans: planDetail(created.plans) },
  });
  await announce(context, actor, created, { kind: 'created', fields: ['name', 'status', 'plans'] });
  return accountSummary(created);
}

export async function changeAccount(context: AdminContext, actor: AdminActor, accountId: string, patch: AccountPatch) {
  const id = idOf(accountId);
  const changed = id ? await context.directory.changeAccount(id, patch) : null;
  if (!changed || !id) throw new AdminNotFound('account');
  const { before, after } = changed;
  await recordAdminChange(context, actor, {
    type: 'admin.account-changed',
    accountId: id,
    detail: {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.status !== undefined ? { status: patch.status, statusBefore: before.status } : {}),
      ...(patch.plans !== undefined ? { plans: planDetail(after.plans) } : {}),
    },
  });
  const fields = (['name', 'status', 'plans'] as const).filter((field) => patch[field] !== undefined);
  await announce(context, actor, after, { kind: 'updated', fields });
  return accountSummary(after);
}

export async function addContact(
  context: AdminContext,
  actor: AdminActor,
  accountId: string,
  input: { email: string; name?: string | null },
) {
  const id = idOf(accountId);
  const account = id ? await context.directory.findAccount(id) : null;
  if (!account || !id) throw new AdminNotFound('account');
  const created = await context.directory.addContact(id, input);
  if (created === 'duplicate') throw new AdminConflict('this address is already a contact of the account');
  await recordAdminChange(context, actor, {
    type: 'admin.contact-added',
    accountId: id,
    detail: { contactId: created.id, email: maskEmail(created.email) },
  });
  await announce(context, actor, account, { kind: 'updated', fields: ['contacts'], contactIds: [created.id] });
  return contactView(created, undefined);
}

export async function changeContact(context: AdminContext, actor: AdminActor, contactId: string, patch: ContactPatch) {
  const id = idOf(contactId);
  const changed = id ? await context.directory.changeContact(id, patch) : null;
  if (changed === 'duplicate') throw new AdminConflict('this address is already a contact of the account');
  if (!changed || !id) throw new AdminNotFound('contact');
  const { before, after } = changed;
  // The person acting as the contact, so that their trail shows what changed about the address they sign in for.
  const people = await context.directory.accountWithPeople(after.accountId);
  const member = people?.memberships.find((membership) => membership.contactId === id);
  await recordAdminChange(context, actor, {
    type: 'admin.contact-changed',
    accountId: after.accountId,
    personId: member?.personId ?? null,
    detail: {
      contactId: id,
      ...(patch.email !== undefined ? { email: maskEmail(after.email), emailBefore: maskEmail(before.email) } : {}),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.status !== undefined ? { status: patch.status, statusBefore: before.status } : {}),
    },
  });
  // The event names the account's customer number: read it only when an endpoint wants the event.
  const account = context.events.wants('account.changed') ? await context.directory.findAccount(after.accountId) : null;
  if (account) await announce(context, actor, account, { kind: 'updated', fields: ['contacts'], contactIds: [id] });
  return contactView(after, undefined);
}
