/**
 * The one form in which an e-mail address is stored and compared. The whole address is lower-cased, local part
 * included: RFC 5321 lets a server treat the local part as case-sensitive, but no mail service customers use does,
 * and a customer who types `Ada@Example.com` must find the account registered as `ada@example.com`. NFC makes an
 * address typed with a combining accent equal to the same address typed with a precomposed one.
 */
export function normalizeEmail(address: string): string {
  return address.trim().normalize('NFC').toLowerCase();
}

// Deliberately loose (an e-mail only ever goes to an address registered on an account): catches typos, not exotic
// forms. 254 is the longest address SMTP can carry (RFC 5321 4.5.3.1.3 with its path brackets).
const PLAUSIBLE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Whether what a person typed can be an e-mail address at all. */
export function isPlausibleAddress(value: string): boolean {
  return value.length <= 254 && PLAUSIBLE.test(value);
}
