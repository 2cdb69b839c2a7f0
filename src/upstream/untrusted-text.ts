/**
 * Text an upstream provider supplies (a display name, an address) is data the broker did not write: it is shown
 * only bounded, without control or bidirectional-override characters, and inside our own sentence ("signed in
 * as …"), so a name such as "IMPORTANT: your account is locked, call …" can neither pass for the company's words
 * nor fill an e-mail (the attack pattern of Keycloak's CVE-2025-7365).
 */
export const DISPLAY_TEXT_MAX = 40;
const ADDRESS_MAX = 254;

// Cc/Cf cover C0/C1 controls, zero-width characters and the bidi embeddings, overrides and isolates (U+202A–E,
// U+2066–9) that can make text read differently from how it is stored; line and paragraph separators too.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const HAS_INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** A provider-supplied text made safe to show: normalised, invisible characters removed, bounded with "…". */
export function displayText(value: unknown, max = DISPLAY_TEXT_MAX): string | undefined {
  if (typeof value !== 'string') return undefined;
  const cleaned = value.normalize('NFKC').replace(/\s+/gu, ' ').replace(INVISIBLE, '').trim();
  if (!cleaned) return undefined;
  const characters = [...cleaned];
  return characters.length <= max
    ? cleaned
    : `${characters
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

// Deliberately loose: an upstream's address is only displayed (masked), never mailed to.
const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** A provider-supplied e-mail address, or undefined when it is not one (too long, invisible characters, no @). */
export function upstreamAddress(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > ADDRESS_MAX) return undefined;
  if (HAS_INVISIBLE.test(value)) return undefined;
  return ADDRESS.test(value) ? value.toLowerCase() : undefined;
}
