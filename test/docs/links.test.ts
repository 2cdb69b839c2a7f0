import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokenReason, documentationFiles, headingSlugs, relativeLinks } from './markdown-links.ts';

describe('relative links in README.md and docs/', () => {
  it('all lead to a file that exists and, with an anchor, to a heading in it', () => {
    const files = documentationFiles();
    expect(files).toContain('README.md');
    const broken = files.flatMap(relativeLinks).flatMap((link) => {
      const reason = brokenReason(link);
      return reason ? [`${link.file}:${link.line} (${link.target}): ${reason}`] : [];
    });
    expect(broken).toEqual([]);
  });
});

describe('the link checker', () => {
  const folder = mkdtempSync(join(tmpdir(), 'links-'));
  mkdirSync(join(folder, 'docs'));
  writeFileSync(
    join(folder, 'docs', 'page.md'),
    '# A page\n\n## Before the first start: `npm run check`\n\n## Twice\n\n## Twice\n',
  );
  writeFileSync(
    join(folder, 'README.md'),
    [
      '[ok](docs/page.md#before-the-first-start-npm-run-check) [second](docs/page.md#twice-1)',
      '[missing file](docs/gone.md) [missing heading](docs/page.md#nowhere) [web](https://example.com/x)',
      '`[in code](docs/gone.md)`',
      '```',
      '[in a block](docs/gone.md)',
      '```',
    ].join('\n'),
  );

  it("makes GitHub's anchors of headings, numbering repeated ones", () => {
    expect(headingSlugs(join(folder, 'docs', 'page.md'))).toEqual(
      new Set(['a-page', 'before-the-first-start-npm-run-check', 'twice', 'twice-1']),
    );
  });

  it('reports a missing file and a missing heading, and ignores web links and code', () => {
    const reasons = relativeLinks(join(folder, 'README.md')).map((link) => [link.target, brokenReason(link)]);
    expect(reasons).toEqual([
      ['docs/page.md#before-the-first-start-npm-run-check', undefined],
      ['docs/page.md#twice-1', undefined],
      ['docs/gone.md', `${join(folder, 'docs', 'gone.md')} does not exist`],
      ['docs/page.md#nowhere', `${join(folder, 'docs', 'page.md')} has no heading #nowhere`],
    ]);
  });
});
