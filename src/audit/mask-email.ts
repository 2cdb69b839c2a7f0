/** `j***@example.com`: enough to recognise an address in an investigation, not enough to learn one. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}
