import { accountModel, type AccountRecord, type Plan } from '../accounts/account-model.ts';
import { contactModel, type ContactRecord } from '../accounts/contact-model.ts';
import { normalizeEmail } from '../accounts/email.ts';
import { objectIdOf } from '../accounts/people-directory.ts';
import { maskEmail } from '../audit/audit-log.ts';
import { isDuplicateKeyError } from '../store/errors.ts';
import { recordAdminChange } from './admin-audit.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminConflict, AdminNotFound } from './admin-errors.ts';
import type { AdminActor } from './admin-roles.ts';
import { accountSummary, contactView } from './account-views.ts';

// Accounts and contacts changed one at a time by staff or a CRM (the import is for whole files). A disabled
// account or contact is kept with its memberships, which then give no access (people-directory.ts): enabling it
// again restores them. Unique indexes decide duplicates, as for the import.

export interface NewAccount {
  customerNumber: string;
  name: string;
  plans: Plan[];
  status: 'active' | 'disabled';
}

export interface AccountPatch {
  name?: string;
  plans?: Plan[];
  status?: 'active' | 'disabled';
}

export interface ContactPatch {
  email?: string;
  name?: string | null;
  status?: 'active' | 'disabled';
}

/** Only the fields a patch names: an absent field is left as it is, never unset. */
const defined = <T extends object>(patch: T) => Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;

const planDetail = (plans: readonly Plan[]) => plans.map((p) => `${p.type}@${p.expiresAt.toISOString()}`).join(' ');

export async function createAccount(context: AdminContext, actor: AdminActor, input: NewAccount) {
  let created: AccountRecord;
  try {
    created = (await accountModel(context.db).create(input)).toObject();
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new AdminConflict(`customer number ${input.customerNumber} exists already`);
    throw error;
  }
  await recordAdminChange(context, actor, {
    type: 'admin.account-created',
    accountId: created._id,
    detail: { customerNumber: created.customerNumber, status: created.status, plans: planDetail(created.plans) },
  });
  return accountSummary(created);
}

export async function changeAccount(context: AdminContext, actor: AdminActor, accountId: string, patch: AccountPatch) {
  const id = objectIdOf(accountId);
  const before = id ? await accountModel(context.db).findById(id).lean<AccountRecord>().exec() : null;
  if (!before || !id) throw new AdminNotFound('account');
  await accountModel(context.db).updateOne({ _id: id }, { $set: defined(patch) }).exec();
  const after = await accountModel(context.db).findById(id).lean<AccountRecord>().exec();
  if (!after) throw new AdminNotFound('account');
  await context.changes.announce();
  await recordAdminChange(context, actor, {
    type: 'admin.account-changed',
    accountId: id,
    detail: {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.status !== undefined ? { status: patch.status, statusBefore: before.status } : {}),
      ...(patch.plans !== undefined ? { plans: planDetail(after.plans) } : {}),
    },
  });
  return accountSummary(after);
}

export async function addContact(context: AdminContext, actor: AdminActor, accountId: string, input: { email: string; name?: string | null }) {
  const id = objectIdOf(accountId);
  const account = id ? await accountModel(context.db).findById(id).lean<AccountRecord>().exec() : null;
  if (!account || !id) throw new AdminNotFound('account');
  let created: ContactRecord;
  try {
    created = (await contactModel(context.db).create({ accountId: id, email: normalizeEmail(input.email), name: input.name ?? null, status: 'active' })).toObject();
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new AdminConflict('this address is already a contact of the account');
    throw error;
  }
  await recordAdminChange(context, actor, {
    type: 'admin.contact-added',
    accountId: id,
    detail: { contactId: created._id.toHexString(), email: maskEmail(created.email) },
  });
  return contactView(created, undefined);
}

export async function changeContact(context: AdminContext, actor: AdminActor, contactId: string, patch: ContactPatch) {
  const id = objectIdOf(contactId);
  const before = id ? await contactModel(context.db).findById(id).lean<ContactRecord>().exec() : null;
  if (!before || !id) throw new AdminNotFound('contact');
  const set = defined({ ...patch, ...(patch.email !== undefined ? { email: normalizeEmail(patch.email) } : {}) });
  try {
    await contactModel(context.db).updateOne({ _id: id }, { $set: set }).exec();
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new AdminConflict('this address is already a contact of the account');
    throw error;
  }
  const after = await contactModel(context.db).findById(id).lean<ContactRecord>().exec();
  if (!after) throw new AdminNotFound('contact');
  await context.changes.announce();
  await recordAdminChange(context, actor, {
    type: 'admin.contact-changed',
    accountId: after.accountId,
    detail: {
      contactId: id.toHexString(),
      ...(patch.email !== undefined ? { email: maskEmail(after.email), emailBefore: maskEmail(before.email) } : {}),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.status !== undefined ? { status: patch.status, statusBefore: before.status } : {}),
    },
  });
  return contactView(after, undefined);
}
