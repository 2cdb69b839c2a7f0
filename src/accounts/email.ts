/**
 * The one form in which an e-mail address is stored and compared. The whole address is lower-cased, local part
 * included: RFC 5321 lets a server treat the local part as case-sensitive, but no mail service customers use does,
 * and a customer who types `Ada@Example.com` must find the account registered as `ada@example.com`. NFC makes an
 * address typed with a combining accent equal to the same address typed with a precomposed one.
 */
export function normalizeEmail(address: string): string {
  return address.trim().normalize('NFC').toLowerCase();
}
