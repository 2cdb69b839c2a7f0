import type { Page } from 'playwright-core';
import type { DemoUser } from '../../parties/demo-upstream.ts';
import type { E2ePortal } from './e2e-stack.ts';
import type { StoryRecorder } from './story-recorder.ts';

/** Demo ID's login page (a test party, English only). */
export const DEMO_ID_LOGIN_HEADING = 'Sign in to Demo ID';

/**
 * Waits until the page shows `heading` as its h1, across the redirects that lead there. On a timeout the error
 * names the page actually shown, which is what one needs to know when a story takes a wrong turn.
 */
export async function expectHeading(page: Page, heading: string, timeout = 15_000): Promise<void> {
  try {
    await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor({ timeout });
  } catch (error) {
    const shown = await page
      .locator('h1')
      .first()
      .textContent({ timeout: 1_000 })
      .catch(() => null);
    throw new Error(
      `expected the heading "${heading}", but ${page.url()} shows ${JSON.stringify(shown)}\n${String(error)}`,
    );
  }
}

/** The visible text of the page's main content, white space folded. */
export async function visibleText(page: Page): Promise<string> {
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ').trim();
}

export async function openPortal(page: Page, portal: E2ePortal, recorder: StoryRecorder): Promise<void> {
  await page.goto(`${portal.url}/`);
  await expectHeading(page, portal.name);
  await recorder.page(page, `${portal.name} home`);
}

/** The portal's "Sign in" link: the portal sends the browser to the broker. */
export async function clickPortalSignIn(page: Page): Promise<void> {
  await page.locator('#login').click();
}

/** On Demo ID's login page: types the demo user's e-mail and password and presses "Sign in". */
export async function signInAtDemoId(page: Page, user: DemoUser, recorder: StoryRecorder): Promise<void> {
  await expectHeading(page, DEMO_ID_LOGIN_HEADING);
  await recorder.page(page, 'Demo ID login');
  await page.locator('#email').fill(user.email);
  await page.locator('#password').fill(user.password);
  await page.locator('form[action$="/login"] button[type="submit"]').click();
}

/** Waits for the portal's home page after a sign-in round trip and returns the claims it shows. */
export async function portalClaims(
  page: Page,
  portal: E2ePortal,
  recorder: StoryRecorder,
): Promise<Record<string, unknown>> {
  await page.waitForURL(`${portal.url}/`);
  await expectHeading(page, portal.name);
  await recorder.page(page, `${portal.name} signed in`);
  const error = page.locator('#error');
  if ((await error.count()) > 0) throw new Error(`${portal.name} shows an error: ${await error.innerText()}`);
  return JSON.parse(await page.locator('#claims').innerText()) as Record<string, unknown>;
}

/** Waits for the portal's home page after a refused sign-in and returns the error it shows. */
export async function portalError(page: Page, portal: E2ePortal, recorder: StoryRecorder): Promise<string> {
  await page.waitForURL(`${portal.url}/`);
  await expectHeading(page, portal.name);
  await page.locator('#error').waitFor();
  await recorder.page(page, `${portal.name} error`);
  return page.locator('#error').innerText();
}
