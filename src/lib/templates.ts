/** The only importer of eta: a cached template engine over one directory. */
import { Eta } from 'eta';

export interface TemplateOptions {
  /** Replaces HTML escaping of `<%= %>` (e.g. a strict guard for Dockerfiles). */
  escapeFunction?: (value: unknown) => string;
  /** eta's default trims the newline after tags; false keeps line structure. */
  autoTrim?: false;
}

export interface TemplateEngine {
  render(name: string, data: object): string;
  renderAsync(name: string, data: object): Promise<string>;
}

export function createTemplateEngine(dir: string, options: TemplateOptions = {}): TemplateEngine {
  const eta = new Eta({ views: dir, cache: true, autoEscape: true, ...options });
  return {
    render: (name, data) => eta.render(name, data),
    renderAsync: (name, data) => eta.renderAsync(name, data),
  };
}
