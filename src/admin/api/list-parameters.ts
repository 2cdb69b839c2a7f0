import { z } from 'zod';

// Query parameters the list operations share: how a time, a repeated parameter and a page cursor are written.

/** An ISO-8601 time with `Z` or an offset, as a Date. */
export const instant = (description: string) =>
  z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .describe(description);

/**
 * A parameter that may repeat (`?type=a&type=b`, OpenAPI's default `form` style with `explode`): the router hands a
 * single occurrence over as a string, several as an array; both parse as a list.
 */
export const repeatable = <T extends z.ZodType>(item: T, description: string) =>
  z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(item).min(1)).describe(description);

export const cursor = z
  .string()
  .min(1)
  .max(200)
  .describe('The `next` of the previous page; without it, the first page')
  .optional();
