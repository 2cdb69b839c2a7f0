import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** A relative link of a Markdown file, with the line it is on. */
export interface MarkdownLink {
  file: string;
  line: number;
  target: string;
}

/** Code blocks and inline code are examples, not links: they are blanked out before links are looked for. */
function withoutCode(text: string): string {
  return text
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length));
}

export function relativeLinks(file: string): MarkdownLink[] {
  const text = withoutCode(readFileSync(file, 'utf8'));
  const links: MarkdownLink[] = [];
  text.split('\n').forEach((content, index) => {
    for (const match of content.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ... leave the repository
      links.push({ file, line: index + 1, target });
    }
  });
  return links;
}

/**
 * GitHub's heading anchors: lower case, punctuation other than `-` and `_` removed, each space a `-`; a repeated
 * heading gets `-1`, `-2`, ...
 */
export function headingSlugs(file: string): Set<string> {
  const slugs = new Set<string>();
  const counts = new Map<string, number>();
  for (const line of withoutCodeBlocksOnly(readFileSync(file, 'utf8')).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    slugs.add(seen === 0 ? base : `${base}-${seen}`);
  }
  return slugs;
}

function withoutCodeBlocksOnly(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** What is wrong with a link, or undefined when its file exists and its anchor names a heading there. */
export function brokenReason(link: MarkdownLink): string | undefined {
  const [pathPart = '', anchor] = link.target.split('#');
  const targetFile = pathPart === '' ? link.file : normalize(join(dirname(link.file), decodeURIComponent(pathPart)));
  if (!existsSync(targetFile)) return `${targetFile} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(targetFile).isDirectory() || !targetFile.endsWith('.md'))
    return `#${anchor} on a file that is not Markdown`;
  return headingSlugs(targetFile).has(decodeURIComponent(anchor))
    ? undefined
    : `${targetFile} has no heading #${anchor}`;
}

/** README.md, the other Markdown files at the top of the repository, and every Markdown file under docs/. */
export function documentationFiles(root = '.'): string[] {
  const top = readdirSync(root)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, name));
  const walk = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(folder, entry.name))
        : entry.name.endsWith('.md')
          ? [join(folder, entry.name)]
          : [],
    );
  return [...top, ...walk(join(root, 'docs'))];
}
