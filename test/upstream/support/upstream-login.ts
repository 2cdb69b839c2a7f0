import { formsOf, type Page, type TestBrowser } from '../../support/browser.ts';
import { loginUpstream } from '../../support/portal.ts';
import type { DoubleUser } from '../../support/upstream-doubles/contract.ts';

/** Whether a page is a provider double's login form. */
export function isLoginPage(page: Page): boolean {
  return /<form[^>]*action="[^"]*\/login"/.test(page.html);
}

/** Signs in at a double's login page; submits a form_post answer (Apple) to the broker as the browser's script would. */
export async function logInUpstream(browser: TestBrowser, page: Page, stopAt: string, user: DoubleUser): Promise<Page> {
  const answered = await loginUpstream(browser, page, user, stopAt);
  const posts = formsOf(answered.html).some(
    (f) => f.method === 'post' && /\/upstream\/[a-z0-9-]+\/callback$/.test(f.action),
  );
  return posts ? browser.submit(answered, '/callback', {}, stopAt) : answered;
}
