/**
 * A small well-formedness check for the SVG the panel renders inline (no XML library in the project):
 * every tag closes in order, attributes are quoted, text holds no raw "<" or stray "&", and the root is
 * an <svg> in the SVG namespace. Returns the problems found (empty when the markup is well-formed).
 */
const NAME = '[A-Za-z][\\w:.-]*';
const ATTRIBUTE = new RegExp(`^\\s+(${NAME})="[^"<]*"`);
const ENTITY = /^&(?:#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);/;

export function svgProblems(markup: string): string[] {
  const problems: string[] = [];
  if (!/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s>]/.test(markup)) problems.push('root is not an SVG element');
  const open: string[] = [];
  let i = 0;
  while (i < markup.length) {
    const c = markup[i]!;
    if (c === '&') {
      if (!ENTITY.test(markup.slice(i, i + 12))) problems.push(`stray & at ${i}`);
      i++;
      continue;
    }
    if (c !== '<') {
      i++;
      continue;
    }
    const closing = /^<\/([A-Za-z][\w:.-]*)\s*>/.exec(markup.slice(i));
    if (closing) {
      const expected = open.pop();
      if (expected !== closing[1]) problems.push(`</${closing[1]}> closes <${expected ?? 'nothing'}>`);
      i += closing[0].length;
      continue;
    }
    const start = new RegExp(`^<(${NAME})`).exec(markup.slice(i));
    if (!start) {
      problems.push(`raw < at ${i}`);
      i++;
      continue;
    }
    i += start[0].length;
    const seen = new Set<string>();
    for (;;) {
      const attribute = ATTRIBUTE.exec(markup.slice(i));
      if (!attribute) break;
      if (seen.has(attribute[1]!)) problems.push(`attribute ${attribute[1]} twice on <${start[1]}>`);
      seen.add(attribute[1]!);
      i += attribute[0].length;
    }
    const end = /^\s*(\/?)>/.exec(markup.slice(i));
    if (!end) {
      problems.push(`<${start[1]}> is not closed properly at ${i}`);
      break;
    }
    if (end[1] !== '/') open.push(start[1]!);
    i += end[0].length;
    if (open.length === 0) break;
  }
  if (open.length > 0) problems.push(`unclosed: ${open.join(', ')}`);
  return problems;
}

/** The first inline <svg>…</svg> inside an element with the given id, from a page's HTML. */
export function svgIn(html: string, id: string): string | undefined {
  const at = html.indexOf(`id="${id}"`);
  if (at < 0) return undefined;
  const start = html.indexOf('<svg xmlns=', at);
  const end = html.indexOf('</svg>', start);
  return start < 0 || end < 0 ? undefined : html.slice(start, end + '</svg>'.length);
}

/** Every path's points as [x, y] pairs, by data-series label. */
export function pathPoints(svg: string): Map<string, Array<[number, number]>> {
  const paths = new Map<string, Array<[number, number]>>();
  for (const match of svg.matchAll(/<path d="([^"]+)"[^>]*data-series="([^"]*)"/g)) {
    const points = [...match[1]!.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map(
      (m) => [Number(m[1]), Number(m[2])] as [number, number],
    );
    paths.set(match[2]!, points);
  }
  return paths;
}
