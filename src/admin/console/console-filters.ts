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

const pageForm = z.object({ cursor: ignoringBadInput(z.string().max(200)) });

/** A list page without a filter (failed e-mails, failed webhook deliveries): a page of the console's size at a time. */
export function pageOnly(path: string, query: Query): ConsoleFilter<Record<string, never>> {
  const { cursor } = pageForm.parse(query);
  return {
    form: {},
    query: given({ limit: String(CONSOLE_PAGE_SIZE), cursor }),
    pageAfter: (next) => linkAfter(path, {}, next),
  };
}

const peopleForm = z.object({
  upstreamId: ignoringBadInput(text(100)),
  signIn: ignoringBadInput(text(400)),
  email: ignoringBadInput(z.string().trim().min(3).max(254)),
});

export interface PeopleSearch {
  form: z.output<typeof peopleForm>;
  /** The query of searchPeople; null when the form gave nothing to search by. */
  query: { signIn?: string; email?: string } | null;
  /** A sign-in was typed that names no upstream: neither chosen nor written as `<upstreamId>:<subject>`. */
  unclearSignIn: boolean;
}

/**
 * Finding a person by what a stuck customer quotes: a sign-in, either with its upstream chosen and the subject typed,
 * or written as the association page and the support request show it (`<upstreamId>:<subject>`), or an address.
 * `upstreamIds` are the customer upstreams: only they have sign-ins to find.
 */
export function peopleSearch(query: Query, upstreamIds: readonly string[]): PeopleSearch {
  const form = peopleForm.parse(query);
  const signIn = form.signIn === undefined ? undefined : signInOf(form.signIn, form.upstreamId, upstreamIds);
  const email = form.email;
  const searching = signIn !== undefined || email !== undefined;
  return {
    form,
    query: searching
      ? { ...(signIn === undefined ? {} : { signIn }), ...(email === undefined ? {} : { email }) }
      : null,
    unclearSignIn: form.signIn !== undefined && signIn === undefined,
  };
}

/** `<upstreamId>:<subject>` as searchPeople takes it (at most 400 characters), or undefined if no upstream is named. */
function signInOf(typed: string, chosen: string | undefined, upstreamIds: readonly string[]): string | undefined {
  let signIn: string | undefined;
  if (chosen !== undefined && upstreamIds.includes(chosen)) {
    // Pasted whole although the upstream was chosen too: the prefix is not part of the subject.
    signIn = typed.startsWith(`${chosen}:`) ? typed : `${chosen}:${typed}`;
  } else {
    const colon = typed.indexOf(':');
    if (colon > 0 && colon < typed.length - 1 && upstreamIds.includes(typed.slice(0, colon))) signIn = typed;
  }
  return signIn !== undefined && signIn.length <= 400 ? signIn : undefined;
}
