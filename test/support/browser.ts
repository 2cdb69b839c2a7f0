import { CookieJar } from 'tough-cookie';

export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

export interface FormFields {
  action: string;
  method: string;
  fields: Record<string, string>;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x2F;/g, '/')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(tag);
  return match?.[1] === undefined ? undefined : decodeEntities(match[1]);
}

/** The forms of a page with their hidden and pre-filled fields; `pick` selects one by its action. */
export function formsOf(html: string): FormFields[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, attrs = '', body = '']) => ({
    action: attribute(attrs, 'action') ?? '',
    method: (attribute(attrs, 'method') ?? 'get').toLowerCase(),
    fields: Object.fromEntries(
      [
        ...[...body.matchAll(/<input\b[^>]*>/gi)].map(([tag]) => [
          attribute(tag, 'name'),
          attribute(tag, 'value') ?? '',
        ]),
        // A textarea's content is its value, as a browser submits it.
        ...[...body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)].map(([, tag = '', content = '']) => [
          attribute(tag, 'name'),
          decodeEntities(content),
        ]),
      ].filter((entry): entry is [string, string] => entry[0] !== undefined),
    ),
  }));
}

/** Visible text of an element by id (tests read what a person would see). */
export function textOf(html: string, id: string): string | undefined {
  const match = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`, 'i').exec(html);
  return match?.[1] === undefined ? undefined : decodeEntities(match[1]).trim();
}

/** The page's text as a person reads it: tags dropped, entities decoded, white space folded. */
export function textContent(html: string): string {
  return decodeEntities(html.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

export function headingOf(html: string): string | undefined {
  const match = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  return match?.[1] === undefined ? undefined : decodeEntities(match[1].replace(/<[^>]+>/g, '')).trim();
}

/**
 * A minimal browser for integration tests: real HTTP, a real cookie jar (paths, expiry, SameSite ignored as all
 * parties share the loopback "site"), redirects followed one by one so a test can stop at a portal's redirect_uri.
 */
export class TestBrowser {
  readonly jar = new CookieJar();
  /** Sent as Accept-Language when set, as a browser configured for that language would. */
  acceptLanguage: string | undefined;

  constructor(acceptLanguage?: string) {
    this.acceptLanguage = acceptLanguage;
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html', cookie: await this.jar.getCookieString(url) };
    if (this.acceptLanguage) headers['accept-language'] = this.acceptLanguage;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const cookie of response.headers.getSetCookie()) await this.jar.setCookie(cookie, url);
    return response;
  }

  /**
   * Follows redirects from `url` until a page is shown, or until a redirect points at `stopAt` (a portal's
   * redirect_uri), which is returned unvisited.
   */
  async navigate(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
    stopAt?: string,
  ): Promise<Page> {
    let current = url;
    let response = await this.request(current, init);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops += 1) {
      if (hops > 20) throw new Error(`too many redirects from ${url}`);
      const location = new URL(response.headers.get('location') ?? '', current).href;
      if (stopAt && location.startsWith(stopAt)) {
        return { url: location, status: response.status, html: '', headers: response.headers };
      }
      current = location;
      response = await this.request(current);
    }
    return { url: current, status: response.status, html: await response.text(), headers: response.headers };
  }

  /** Follows the page's link whose text is `text`, as a person clicking it would. */
  async submitLink(page: Page, text: string, stopAt?: string): Promise<Page> {
    const link = [...page.html.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/gi)].find(([, , inner]) => inner?.trim() === text);
    const href = link ? attribute(link[1] ?? '', 'href') : undefined;
    if (!href) throw new Error(`no link "${text}" on ${page.url}:\n${page.html}`);
    return this.navigate(new URL(href, page.url).href, {}, stopAt);
  }

  /** Submits the page's form whose action contains `actionPart`, with fields merged over its own. */
  async submit(page: Page, actionPart: string, fields: Record<string, string> = {}, stopAt?: string): Promise<Page> {
    const form = formsOf(page.html).find((f) => f.action.includes(actionPart));
    if (!form) throw new Error(`no form with action containing "${actionPart}" on ${page.url}:\n${page.html}`);
    const target = new URL(form.action, page.url);
    if (form.method === 'get') {
      // A GET form puts its fields in the query string, as a browser does.
      target.search = new URLSearchParams({ ...form.fields, ...fields }).toString();
      return this.navigate(target.href, {}, stopAt);
    }
    return this.navigate(
      target.href,
      { method: form.method.toUpperCase(), form: { ...form.fields, ...fields } },
      stopAt,
    );
  }
}
