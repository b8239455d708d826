/**
 * `${VAR}` in a compose file, the compose way: `${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}` and `$$` for a literal `$`. Applied to the parsed values (never to the text, so a value
 * cannot add YAML keys), keys untouched. Names not given are collected, not guessed: the host's environment
 * is never read.
 */
const PATTERN = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export interface Interpolated {
  value: unknown;
  /** Names used without a default and not given, in order of first use. */
  missing: string[];
}

export function interpolate(value: unknown, variables: Readonly<Record<string, string>>): Interpolated {
  const missing: string[] = [];
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return interpolateString(item, variables, missing);
    if (Array.isArray(item)) return item.map(walk);
    if (typeof item === 'object' && item !== null)
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, walk(inner)]));
    return item;
  };
  return { value: walk(value), missing };
}

function interpolateString(text: string, variables: Readonly<Record<string, string>>, missing: string[]): string {
  return text.replace(PATTERN, (whole, braced?: string, operator?: string, operand?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const given = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (operator === ':-') return given ? given : operand!;
    if (operator === '-') return given ?? operand!;
    if (given === undefined || (operator === ':?' && given === '')) {
      if (!missing.includes(name)) missing.push(name);
      return '';
    }
    return given;
  });
}

/** Every variable name a text refers to (`${A}`, `$B`, `${C:-x}`), for checking a template's declarations. */
export function referencedNames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(PATTERN)) {
    const name = match[1] ?? match[4];
    if (name) names.add(name);
  }
  return [...names];
}
