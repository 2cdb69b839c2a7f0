import { formatKeyPath } from './config-error.ts';

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface Substitution {
  value: unknown;
  problems: string[];
}

/**
 * Replaces `${VAR}` in every string of a parsed configuration document. Substitution happens after parsing, so a
 * secret containing YAML syntax can never change the document's structure. An unset variable is a problem that
 * names the key it was meant for, never a silent empty string.
 */
export function substituteEnv(document: unknown, env: NodeJS.ProcessEnv): Substitution {
  const problems: string[] = [];
  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') {
      return node.replace(PLACEHOLDER, (_match, name: string) => {
        const value = env[name];
        if (value === undefined || value === '') {
          problems.push(`${formatKeyPath(path)}: environment variable ${name} is not set`);
          return '';
        }
        return value;
      });
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, [...path, key])]));
    }
    return node;
  };
  return { value: walk(document, []), problems };
}
