import { z } from 'zod';
import { formatKeyPath } from '../config/config-error.ts';
import type { AccountInput, ContactInput } from './account-store.ts';
import { normalizeEmail } from './email.ts';

const EXPIRY_MESSAGE = 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone';
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The instant a plan stops counting. A bare date is the plan's last day, inclusive, as contracts are written: a plan
 * that "expires 2027-06-30" still counts on that day, so it stops at 2027-07-01T00:00Z. A date-time is taken as is.
 */
export function parseExpiry(text: string): Date | undefined {
  const value = text.trim();
  const date = DATE_ONLY.exec(value);
  if (date) {
    const [year, month, day] = date.slice(1).map(Number) as [number, number, number];
    const lastDay = new Date(Date.UTC(year, month - 1, day));
    // Date.UTC rolls 2027-02-30 over into March; a date that does not round-trip does not exist.
    if (lastDay.getUTCFullYear() !== year || lastDay.getUTCMonth() !== month - 1 || lastDay.getUTCDate() !== day) {
      return undefined;
    }
    return new Date(Date.UTC(year, month - 1, day + 1));
  }
  if (!DATE_TIME.test(value)) return undefined;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

/**
 * The addresses listed more than once among one account's contacts, with the positions where they appear. Both file
 * formats apply it: a contact named twice (perhaps with two different names) says nothing about which is right.
 */
export function repeatedAddresses(contacts: readonly ContactInput[]): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  contacts.forEach(({ email }, index) => positions.set(email, [...(positions.get(email) ?? []), index]));
  return new Map([...positions].filter(([, found]) => found.length > 1));
}

const text = () =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
    .trim()
    .min(1, { error: 'must not be empty' });

const expiry = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : EXPIRY_MESSAGE) })
  .transform((value, ctx) => {
    const instant = parseExpiry(value);
    if (instant === undefined) {
      ctx.addIssue({ code: 'custom', message: EXPIRY_MESSAGE });
      return z.NEVER;
    }
    return instant;
  });

const plan = z.strictObject(
  {
    // `;` and `=` separate plans in the CSV format, so a type containing them could not be written there.
    type: text().regex(/^[^\s;=]+$/, { error: 'must not contain spaces, ";" or "="' }),
    expiresAt: expiry,
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object {type, expiresAt}' : undefined) },
);

const contact = z.strictObject(
  {
    email: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
      .transform(normalizeEmail)
      .pipe(z.email({ error: 'must be an e-mail address' })),
    // A blank name (an empty CSV cell, "" or null in JSON) is no name: the contact is then known by address only.
    name: z
      .preprocess((value) => (typeof value === 'string' && value.trim() === '' ? null : value), text().nullable())
      .optional()
      .transform((value) => value ?? null),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object {email, name}' : undefined) },
);

// Strict: an unknown key is more likely a misspelt one (`plan`) than data to ignore, and ignoring a misspelt
// `plans` would strip every plan from an existing account.
const accountRow = z
  .strictObject(
    {
      // Spreadsheet exports turn customer numbers into JSON numbers; they are identifiers all the same.
      customerNumber: z.preprocess((value) => (typeof value === 'number' ? String(value) : value), text()),
      name: text(),
      plans: z.array(plan, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a list') }),
      status: z.enum(['active', 'disabled'], { error: 'must be active or disabled' }).optional(),
      // At least one: an empty list is more likely a mistake than an organisation nobody may act for, and with
      // --prune it would disable every contact of the account (status: disabled is the way to close one).
      contacts: z
        .array(contact, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a list') })
        .min(1, { error: 'must list at least one contact' }),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type' ? 'must be an object {customerNumber, name, plans, contacts}' : undefined,
    },
  )
  .superRefine((account, ctx) => {
    for (const [email, positions] of repeatedAddresses(account.contacts)) {
      for (const index of positions.slice(1)) {
        ctx.addIssue({ code: 'custom', path: ['contacts', index, 'email'], message: `${email} is listed twice` });
      }
    }
  });

/** Where a problem is reported: the key path as the file spells it (see validateAccountRow's `renamePath`). */
export type KeyPath = ReadonlyArray<PropertyKey>;

/**
 * Validates one account of an import file: the account, or every problem of the row in one line. `renamePath` maps a
 * problem's key path back to what the file calls it (the CSV column `email` holds `contacts[0].email`).
 */
export function validateAccountRow(
  raw: unknown,
  renamePath: (path: KeyPath) => KeyPath = (path) => path,
): { input: AccountInput } | { reason: string } {
  const result = accountRow.safeParse(raw);
  if (result.success) return { input: result.data };
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatKeyPath(renamePath([...issue.path, key]))}: unknown field`).join('; ');
    }
    const path = renamePath(issue.path);
    return path.length === 0 ? issue.message : `${formatKeyPath(path)}: ${issue.message}`;
  });
  return { reason: problems.join('; ') };
}

const SHORTHAND_EMAIL: KeyPath = ['contacts', 0, 'email'];

/**
 * Validates one element of a JSON import file, where a bare `email` is shorthand for `contacts: [{email}]` (the
 * first model's format, which existing exports still use).
 */
export function validateJsonAccount(raw: unknown): { input: AccountInput } | { reason: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !('email' in raw)) {
    return validateAccountRow(raw);
  }
  const { email, ...account } = raw as Record<string, unknown>;
  if ('contacts' in account) return { reason: 'email: give either email or contacts, not both' };
  return validateAccountRow({ ...account, contacts: [{ email }] }, (path) =>
    SHORTHAND_EMAIL.every((key, i) => path[i] === key) ? ['email', ...path.slice(SHORTHAND_EMAIL.length)] : path,
  );
}

/** Reads a key path as the column of a CSV row (one contact per row): `contacts[0].name` is `contactName`. */
export function csvColumnPath(path: KeyPath): KeyPath {
  if (path[0] !== 'contacts') return path;
  if (path.length === 1) return ['email'];
  return [path[2] === 'name' ? 'contactName' : 'email'];
}
