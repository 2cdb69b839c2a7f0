import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '../../audit/audit-event-types.ts';

// The filter forms of the console's list pages (GET forms: they change nothing, so they carry no CSRF token) and
// their "next page" links. What a form sends is turned into the query of the same admin operation the API runs;
// a field that does not parse is left out (the page shows what it did use) rather than answered with an error.

type Query = Record<string, string | string[] | undefined>;

const id = z.string().regex(/^[0-9a-f]{24}$/);
/** `<input type="date">`: a day, read in UTC like every time the console shows. */
const day = z
  .string()
  .regex(/^\d{4}-\d\d-\d\d$/)
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)));
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((value) => value || undefined);

const ignoringBadInput = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const asList = (value: unknown) => (typeof value === 'string' ? [value] : value);

/** Rows on one page of the console: enough to scan, little enough to render quickly. */
export const CONSOLE_PAGE_SIZE = 50;

const DAY_MS = 86_400_000;
const startOf = (value: string) => `${value}T00:00:00.000Z`;
/** The end of a "to" day is the start of the next: the day the form names is included. */
const endOf = (value: string) => new Date(Date.parse(startOf(value)) + DAY_MS).toISOString();

const auditForm = z.object({
  accountId: ignoringBadInput(id),
  personId: ignoringBadInput(id),
  type: ignoringBadInput(z.preprocess(asList, z.array(z.enum(AUDIT_EVENT_TYPES)))),
  actor: ignoringBadInput(text(300)),
  from: ignoringBadInput(day),
  to: ignoringBadInput(day),
  cursor: ignoringBadInput(z.string().max(200)),
});

const requestsForm = z.object({
  status: z.enum(['open', 'resolved', 'any']).catch('open'),
  q: ignoringBadInput(text(200)),
  accountId: ignoringBadInput(id),
  personId: ignoringBadInput(id),
  cursor: ignoringBadInput(z.string().max(200)),
});

/** Only the fields given, as an operation's query and a link's parameters want them. */
const given = <T extends object>(values: T) =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Record<string, string | string[]>;

/** The link to the page after this one: the same filter, and the cursor the operation answered with. */
function linkAfter(path: string, form: Record<string, string | string[]>, next: string | null): string | null {
  if (next === null) return null;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, one);
  }
  params.set('cursor', next);
  return `${path}?${params.toString()}`;
}

export interface ConsoleFilter<F> {
  /** What the form shows as chosen. */
  form: F;
  /** The query of the operation behind the page. */
  query: Record<string, string | string[]>;
  pageAfter(next: string | null): string | null;
}

/** The audit page: types (several), actor, from/to days, and the account or person it was opened for. */
export function auditFilter(query: Query): ConsoleFilter<z.output<typeof auditForm>> {
  const { cursor, ...form } = auditForm.parse(query);
  return {
    form,
    query: given({
      ...form,
      from: form.from && startOf(form.from),
      to: form.to && endOf(form.to),
      limit: String(CONSOLE_PAGE_SIZE),
      cursor,
    }),
    pageAfter: (next) => linkAfter('/admin/audit', given(form), next),
  };
}

/** The support requests page: status (open unless chosen), text, and the account or person it was opened for. */
export function supportRequestsFilter(query: Query): ConsoleFilter<z.output<typeof requestsForm>> {
  const { cursor, ...form } = requestsForm.parse(query);
  return {
    form,
    query: given({ ...form, limit: String(CONSOLE_PAGE_SIZE), cursor }),
    pageAfter: (next) => linkAfter('/admin/support-requests', given(form), next),
  };
}
