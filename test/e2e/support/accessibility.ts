import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The impacts that fail a test: a person using a screen reader or a keyboard cannot get through. */
const BLOCKING: ReadonlySet<string | null> = new Set(['serious', 'critical']);

/** The part of axe-core's results read here (its own types need the DOM library, which this project leaves out). */
interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/**
 * Runs axe-core (every rule of its default set) on the page as it is shown and returns one readable line per
 * serious or critical violation: `rule-id (impact) on <page>: help — selectors`.
 *
 * The broker's Content-Security-Policy (`default-src 'none'`) refuses inline scripts, so `page.addScriptTag`
 * with axe's source is blocked. `page.evaluate` runs the source through the DevTools protocol, which CSP does
 * not govern; the page itself keeps its real CSP (no `bypassCSP`), so the story is tested as it is served.
 */
export async function accessibilityViolations(page: Page, pageName: string): Promise<string[]> {
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as {
      axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((node) => node.target.join(' ')),
    }));
  });
  return results
    .filter((v) => BLOCKING.has(v.impact))
    .map((v) => `${v.id} (${v.impact}) on ${pageName}: ${v.help} — ${v.targets.join(', ')}`);
}
