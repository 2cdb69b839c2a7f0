import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`, done by .ci/run when missing). Playwright's own browser downloads
 * cannot work on our machines, so playwright-core drives this one.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

// --no-sandbox: the tests run as root. The background-networking, component-update, sync and first-run flags keep
// Chromium from calling Google's hosts, which the machines' closed network refuses, many connections at a time.
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** One browser session of a person: its own cookies, one tab, and what the tab was sent to. */
export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Every top-level navigation request, redirect hops included, in order. */
  navigations: URL[];
  /** The top-level documents actually shown (answers that are not redirects), in order. */
  shownPages: URL[];
}

/** A fresh browser session (no cookies) asking for `browserLocale` through Accept-Language. */
export async function openBrowserSession(browser: Browser, browserLocale: string): Promise<BrowserSession> {
  const context = await browser.newContext({ locale: browserLocale, viewport: { width: 1024, height: 768 } });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  const navigations: URL[] = [];
  const shownPages: URL[] = [];
  context.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations.push(new URL(request.url()));
  });
  context.on('response', (response) => {
    const request = response.request();
    if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
    if (response.status() < 300 || response.status() >= 400) shownPages.push(new URL(response.url()));
  });
  return { context, page, navigations, shownPages };
}
