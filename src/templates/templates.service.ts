/**
 * The one-click template catalog and installs. An install fills the template's variables (what the person
 * typed, else the default, else a generated value), adds the stack's own address (BERTH_URL, BERTH_HOST),
 * creates a compose stack from the template's file (checked like any other) and starts its deploy.
 * Generated values are stored as secret variables: the API and panel never show them (the app's own
 * admin pages, or the stack's variables page for a developer who sets new ones, are the way in).
 */
import { AppError } from '../errors.js';
import type { StackInput, StackView } from '../stacks/stack.types.js';
import { generateValue } from './generate-value.js';
import { loadCatalog, type LoadedCatalog } from './template-catalog.js';
import type { Template } from './template.types.js';

/** What an install needs of the stacks feature (wired in src/compose/stacks.ts). */
export interface StackInstaller {
  addressOf(projectId: string, name: string): Promise<{ url: string; host: string }>;
  createChecked(projectId: string, input: StackInput): Promise<StackView>;
  deploy(id: string): Promise<{ stack: StackView }>;
}

export interface InstallResult {
  stack: StackView;
  /** Names of the variables generated (their values are stored as secrets, never returned). */
  generated: string[];
}

export class TemplatesService {
  private catalog: Promise<LoadedCatalog> | undefined;

  constructor(
    private readonly dir: string,
    private readonly stacks: StackInstaller,
  ) {}

  /** Every template that loaded (read once, on first use). */
  async list(): Promise<Template[]> {
    return (await this.load()).templates;
  }

  async problems(): Promise<LoadedCatalog['problems']> {
    return (await this.load()).problems;
  }

  async get(id: string): Promise<Template> {
    const template = (await this.list()).find((t) => t.id === id);
    if (!template) throw new AppError('NOT_FOUND', 'No such template.');
    return template;
  }

  async install(
    projectId: string,
    templateId: string,
    body: { name?: unknown; variables?: unknown },
  ): Promise<InstallResult> {
    const template = await this.get(templateId);
    const name = typeof body.name === 'string' && body.name.trim() !== '' ? body.name.trim() : template.id;
    const given =
      typeof body.variables === 'object' && body.variables !== null ? (body.variables as Record<string, unknown>) : {};
    for (const key of Object.keys(given))
      if (!(key in template.variables))
        throw new AppError('VALIDATION_FAILED', `${key} is not a variable of the ${template.name} template.`, {
          details: { [key]: 'unknown' },
        });
    const variables: StackInput['variables'] = {};
    const generated: string[] = [];
    for (const [key, spec] of Object.entries(template.variables)) {
      const typed = given[key];
      if (typeof typed === 'string' && typed !== '')
        variables[key] = { value: typed, secret: spec.generate !== undefined };
      else if (spec.generate) {
        variables[key] = { value: generateValue(spec.generate), secret: true };
        generated.push(key);
      } else if (spec.default !== undefined) variables[key] = { value: spec.default, secret: false };
      else throw new AppError('VALIDATION_FAILED', `${key} needs a value.`, { details: { [key]: 'required' } });
    }
    const address = await this.stacks.addressOf(projectId, name);
    variables.BERTH_URL = { value: address.url, secret: false };
    variables.BERTH_HOST = { value: address.host, secret: false };
    const stack = await this.stacks.createChecked(projectId, {
      name,
      source: { type: 'paste', compose: template.compose },
      routedService: template.routedService,
      routedPort: template.routedPort,
      variables,
      templateId: template.id,
    });
    return { stack: (await this.stacks.deploy(stack.id)).stack, generated };
  }

  private load(): Promise<LoadedCatalog> {
    this.catalog ??= loadCatalog(this.dir);
    return this.catalog;
  }
}
