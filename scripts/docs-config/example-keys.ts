import { parse as parseYaml } from 'yaml';

/**
 * A commented-out key in the example (`# pairwiseSalt: "${PAIRWISE_SALT}"`, `#   console:`) documents that key as
 * much as a set one does; it stays commented because it needs a secret or is not for every deployment. Uncommenting
 * every line that starts with a key or a list entry, at the indentation it was written, gives the document the
 * example describes. Prose comments never start with `word:` directly after the `#`, so they stay comments.
 */
export function uncommentKeys(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/^(\s*)# ?(\s*)(?=(- )?[A-Za-z][\w-]*:( |$))/, '$1$2'))
    .join('\n');
}

function collect(value: unknown, prefix: string, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const entry of value) collect(entry, `${prefix}[]`, into);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    into.add(path);
    collect(child, path, into);
  }
}

/** Every key path the example sets or shows commented out, with `[]` for list entries (`upstreams[].issuer`). */
export function exampleKeyPaths(exampleText: string): Set<string> {
  const paths = new Set<string>();
  collect(parseYaml(uncommentKeys(exampleText)), '', paths);
  return paths;
}
