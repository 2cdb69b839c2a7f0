interface StoredCookie {
  value: string;
  path: string;
  /** Epoch ms; undefined for a session cookie. */
  expiresAt: number | undefined;
}

function defaultPath(pathname: string): string {
  const slash = pathname.lastIndexOf('/');
  return slash <= 0 ? '/' : pathname.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * A minimal browser cookie jar for the loopback benchmark: cookies are scoped by host (not port, as browsers do)
 * and path; expiry by Expires or Max-Age. Domain, Secure and SameSite attributes are ignored: every party is on
 * 127.0.0.1 over http. Much lighter than a full RFC 6265 jar, so the client takes less of the shared CPU.
 */
export class CookieJar {
  readonly #byHost = new Map<string, Map<string, StoredCookie>>();

  store(url: URL, setCookieHeaders: readonly string[]): void {
    let cookies = this.#byHost.get(url.hostname);
    if (!cookies) {
      cookies = new Map();
      this.#byHost.set(url.hostname, cookies);
    }
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';');
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim();
      const cookie: StoredCookie = { value: pair.slice(equals + 1).trim(), path: defaultPath(url.pathname), expiresAt: undefined };
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const value = rest.join('=').trim();
        const lower = key.trim().toLowerCase();
        if (lower === 'path' && value.startsWith('/')) cookie.path = value;
        else if (lower === 'max-age') cookie.expiresAt = Date.now() + Number(value) * 1000;
        else if (lower === 'expires' && cookie.expiresAt === undefined) cookie.expiresAt = Date.parse(value);
      }
      const key = `${name}\0${cookie.path}`;
      if (cookie.expiresAt !== undefined && !(cookie.expiresAt > Date.now())) cookies.delete(key);
      else cookies.set(key, cookie);
    }
  }

  header(url: URL): string {
    const cookies = this.#byHost.get(url.hostname);
    if (!cookies) return '';
    const now = Date.now();
    const pairs: string[] = [];
    for (const [key, cookie] of cookies) {
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) continue;
      if (pathMatches(url.pathname, cookie.path)) pairs.push(`${key.slice(0, key.indexOf('\0'))}=${cookie.value}`);
    }
    return pairs.join('; ');
  }
}
