import { appendFileSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { accessibilityViolations } from './accessibility.ts';

/** test-artifacts/ is git-ignored; CI keeps it for looking at a failed run. */
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));
/** Every broker page at both sizes, per language: `test-artifacts/screenshots/<locale>/<page>-<size>.png`. */
const SCREENSHOTS = fileURLToPath(new URL('../../../test-artifacts/screenshots/', import.meta.url));
/** The committed set docs/getting-started.md shows (English, the main story): written only when UPDATE_DOCS_SCREENSHOTS=1. */
const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

/** The sizes every broker page is looked at in: a desktop and a phone (issue 14). */
export const PAGE_SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
}

/**
 * What one test saw: a full-page screenshot of every page it passed (`test-artifacts/e2e/<test>/<nn>-<page>.png`)
 * and the serious or critical accessibility violations of the broker's pages among them. Violations are collected
 * and asserted at the end of the test, so one faulty page does not hide whether the rest of the story works.
 */
export class StoryRecorder {
  readonly dir: string;
  readonly violations: string[] = [];
  readonly #everySize: { locale: string } | undefined;
  #step = 0;

  /**
   * `everySize`: the customer's pages, each also looked at in a desktop's and a phone's size and kept per
   * language (the support console's tests leave it out).
   */
  constructor(testName: string, everySize?: { locale: string }) {
    this.#everySize = everySize;
    this.dir = join(ARTIFACTS, slug(testName));
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** A page of a test party (Demo ID, a demo portal): screenshot only. */
  async page(page: Page, name: string): Promise<void> {
    this.#step += 1;
    await page.waitForLoadState('load');
    const file = `${String(this.#step).padStart(2, '0')}-${slug(name)}.png`;
    await page.screenshot({ path: join(this.dir, file), fullPage: true });
  }

  /**
   * A page of the broker: screenshot and accessibility check, then the page at a desktop's and a phone's size, each
   * screenshot kept under the page's name and checked for horizontal overflow (a layout defect: the page would
   * scroll sideways). `docsName` also writes the two English screenshots to docs/screenshots/ when asked to.
   */
  async brokerPage(page: Page, name: string, docsName?: string): Promise<void> {
    await this.page(page, name);
    const found = await accessibilityViolations(page, name);
    if (this.#everySize) found.push(...(await this.#atEverySize(page, name, this.#everySize.locale, docsName)));
    this.violations.push(...found);
    // Also beside the screenshots, where they survive a test that fails later for another reason.
    if (found.length > 0) appendFileSync(join(this.dir, 'accessibility.txt'), `${found.join('\n')}\n`);
  }

  async #atEverySize(page: Page, name: string, locale: string, docsName: string | undefined): Promise<string[]> {
    const defects: string[] = [];
    const before = page.viewportSize();
    const dir = join(SCREENSHOTS, locale);
    mkdirSync(dir, { recursive: true });
    try {
      for (const [size, viewport] of Object.entries(PAGE_SIZES)) {
        await page.setViewportSize(viewport);
        const { scrollWidth, innerWidth } = await page.evaluate(() => {
          const { document, innerWidth } = globalThis as unknown as {
            document: { scrollingElement: { scrollWidth: number } };
            innerWidth: number;
          };
          return { scrollWidth: document.scrollingElement.scrollWidth, innerWidth };
        });
        if (scrollWidth > innerWidth)
          defects.push(`overflow on ${name} (${size}): ${scrollWidth}px wide in a ${innerWidth}px window`);
        const file = join(dir, `${slug(name)}-${size}.png`);
        await page.screenshot({ path: file, fullPage: true });
        if (docsName && locale === 'en' && process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
          copyFileSync(file, join(DOCS_SCREENSHOTS, `${docsName}-${size}.png`));
        }
      }
    } finally {
      if (before) await page.setViewportSize(before);
    }
    return defects;
  }

  /** A test party's page of the main story (the portal with its claims): only the committed English screenshots. */
  async docsPage(page: Page, docsName: string): Promise<void> {
    if (this.#everySize?.locale !== 'en' || process.env.UPDATE_DOCS_SCREENSHOTS !== '1') return;
    const before = page.viewportSize();
    try {
      for (const [size, viewport] of Object.entries(PAGE_SIZES)) {
        await page.setViewportSize(viewport);
        await page.screenshot({ path: join(DOCS_SCREENSHOTS, `${docsName}-${size}.png`), fullPage: true });
      }
    } finally {
      if (before) await page.setViewportSize(before);
    }
  }

  /** Called at the end of a test: one line per violation in the failure message. */
  assertAccessible(): void {
    expect(this.violations).toEqual([]);
  }
}
