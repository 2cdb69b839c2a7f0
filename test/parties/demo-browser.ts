import { CookieJar } from 'tough-cookie';

export interface Page {
  url: string;
  status: number;
  html: string;
}

/** The decoded text inside the element with `id`, as a person would read it. */
export function textOf(html: string, id: string): string | undefined {
  const match = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`, 'i').exec(html);
  return match?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

/**
 * Just enough browser for the demo parties: real HTTP, a real cookie jar (all parties share the loopback host, as
 * they would in a browser), redirects followed one at a time so each hop carries the cookies of its own origin.
 */
export class DemoBrowser {
  readonly jar = new CookieJar();

  async navigate(url: string, form?: Record<string, string>): Promise<Page> {
    let current = url;
    let response = await this.request(current, form);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops += 1) {
      if (hops > 20) throw new Error(`too many redirects from ${url}`);
      current = new URL(response.headers.get('location') ?? '', current).href;
      response = await this.request(current);
    }
    return { url: current, status: response.status, html: await response.text() };
  }

  /** Posts the page's form whose action ends with `actionSuffix`, as a person pressing its button would. */
  async submit(page: Page, actionSuffix: string, fields: Record<string, string> = {}): Promise<Page> {
    const action = [...page.html.matchAll(/<form\b[^>]*\baction="([^"]*)"/gi)]
      .map((match) => match[1] ?? '')
      .find((candidate) => candidate.endsWith(actionSuffix));
    if (action === undefined) throw new Error(`no form posting to …${actionSuffix} on ${page.url}:\n${page.html}`);
    return this.navigate(new URL(action, page.url).href, fields);
  }

  private async request(url: string, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html', cookie: await this.jar.getCookieString(url) };
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers,
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      redirect: 'manual',
    });
    for (const cookie of response.headers.getSetCookie()) await this.jar.setCookie(cookie, url);
    return response;
  }
}
