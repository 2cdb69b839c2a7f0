const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a URL names this machine: the only place where the broker accepts plain http (tests and the demo run
 * every party on loopback) and lets openid-client talk to an http provider. One definition, so that what the
 * configuration accepts is also what discovery allows (`*.localhost` included, RFC 6761 6.3).
 */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || url.hostname.endsWith('.localhost');
}
