import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { accessibilityViolations } from './accessibility.ts';

/** test-artifacts/ is git-ignored; CI keeps it for looking at a failed run. */
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));

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
  #step = 0;

  constructor(testName: string) {
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

  /** A page of the broker: screenshot and accessibility check. */
  async brokerPage(page: Page, name: string): Promise<void> {
    await this.page(page, name);
    const found = await accessibilityViolations(page, name);
    this.violations.push(...found);
    // Also beside the screenshots, where they survive a test that fails later for another reason.
    if (found.length > 0) appendFileSync(join(this.dir, 'accessibility.txt'), `${found.join('\n')}\n`);
  }

  /** Called at the end of a test: one line per violation in the failure message. */
  assertAccessible(): void {
    expect(this.violations).toEqual([]);
  }
}
