import { z } from 'zod';
import { formatKeyPath } from '../config/config-error.ts';
import type { AccountInput } from './account-store.ts';
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

// Strict: an unknown key is more likely a misspelt one (`plan`) than data to ignore, and ignoring a misspelt
// `plans` would strip every plan from an existing account.
const accountRow = z.strictObject(
  {
    // Spreadsheet exports turn customer numbers into JSON numbers; they are identifiers all the same.
    customerNumber: z.preprocess((value) => (typeof value === 'number' ? String(value) : value), text()),
    name: text(),
    email: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
      .transform(normalizeEmail)
      .pipe(z.email({ error: 'must be an e-mail address' })),
    plans: z.array(plan, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a list') }),
    status: z.enum(['active', 'disabled'], { error: 'must be active or disabled' }).optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type' ? 'must be an object {customerNumber, name, email, plans}' : undefined,
  },
);

/** Validates one row of an import file: the account, or every problem of the row in one line. */
export function validateAccountRow(raw: unknown): { input: AccountInput } | { reason: string } {
  const result = accountRow.safeParse(raw);
  if (result.success) return { input: result.data };
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatKeyPath([...issue.path, key])}: unknown field`).join('; ');
    }
    return issue.path.length === 0 ? issue.message : `${formatKeyPath(issue.path)}: ${issue.message}`;
  });
  return { reason: problems.join('; ') };
}
