import type { Browser } from 'playwright-core';
import { openBrowserSession, type BrowserSession } from './chromium.ts';
import { StoryRecorder } from './story-recorder.ts';

export interface Scenario {
  recorder: StoryRecorder;
  /** A new browser session (context) with no cookies, closed after the test. */
  openSession(): Promise<BrowserSession>;
}

export interface ScenarioOptions {
  /** The Chromium the file launched (in its beforeAll, hence a function). */
  browser(): Browser;
  locale: string;
  /** What the browser asks for in Accept-Language. */
  browserLocale: string;
  /** Screenshots are kept under the test's name, after this prefix. */
  prefix?: string;
  timeout: number;
}

/**
 * `it` for a test of the story: screenshots under its name (English under the name itself, another language's
 * beside them under a name of their own), its browser sessions closed however it ends, accessibility checked last.
 */
export function scenarioTests(
  options: ScenarioOptions,
): (title: string, run: (scenario: Scenario) => Promise<void>) => void {
  return (title, run) => {
    it(
      title,
      async () => {
        const name = [options.locale === 'en' ? undefined : options.locale, options.prefix, title]
          .filter(Boolean)
          .join(' ');
        const recorder = new StoryRecorder(name, { locale: options.locale });
        const sessions: BrowserSession[] = [];
        try {
          await run({
            recorder,
            async openSession() {
              const session = await openBrowserSession(options.browser(), options.browserLocale);
              sessions.push(session);
              return session;
            },
          });
        } finally {
          await Promise.allSettled(sessions.map((session) => session.context.close()));
        }
        recorder.assertAccessible();
      },
      options.timeout,
    );
  };
}
