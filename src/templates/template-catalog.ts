/**
 * Reads the template catalog: one folder per template under the catalog dir, each with template.json
 * (checked against template-schema.ts), compose.yml and optionally icon.svg. The built-in catalog is read
 * from the source tree at run time (tsc copies no YAML), the way views/ are found; BERTH_TEMPLATES_DIR
 * replaces it. A folder that does not check out is skipped and reported, never half-loaded.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTemplateMeta } from './template-schema.js';
import type { Template, TemplateMeta } from './template.types.js';

/** src/templates/catalog, from src/templates (tsx) and from dist/templates (compiled) alike. */
export const BUILT_IN_CATALOG = fileURLToPath(new URL('../../src/templates/catalog/', import.meta.url));

const ID = /^[a-z0-9][a-z0-9-]{0,40}$/;

export interface LoadedCatalog {
  templates: Template[];
  /** Folders that were skipped, and why. */
  problems: { id: string; message: string }[];
}

export async function loadCatalog(dir: string): Promise<LoadedCatalog> {
  const catalog: LoadedCatalog = { templates: [], problems: [] };
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const id = entry.name;
    if (!ID.test(id)) {
      catalog.problems.push({ id, message: 'folder names are lowercase letters, digits and dashes' });
      continue;
    }
    try {
      const meta = JSON.parse(await readFile(join(dir, id, 'template.json'), 'utf8')) as unknown;
      const problems = checkTemplateMeta(meta);
      if (problems.length > 0) throw new Error(problems.map((p) => `${p.field} ${p.message}`).join('; '));
      const checked = meta as TemplateMeta;
      const compose = await readFile(join(dir, id, 'compose.yml'), 'utf8');
      const template: Template = { ...checked, id, compose };
      if (checked.icon.endsWith('.svg')) template.iconSvg = await readFile(join(dir, id, checked.icon), 'utf8');
      catalog.templates.push(template);
    } catch (error) {
      catalog.problems.push({ id, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return catalog;
}
