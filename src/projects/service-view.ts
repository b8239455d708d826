/** How a service is shown to people and API clients: its public URL and a one-line source summary. */
import { hostScopeOf } from './environment-scope.js';
import { serviceUrl, type AppService, type Environment, type ServiceSource, type UrlConfig } from './service.types.js';

export { serviceUrl, type UrlConfig };

export function summarizeSource(source: ServiceSource): string {
  switch (source.type) {
    case 'git':
      return `${source.url} (${source.branch})`;
    case 'image':
      return source.image;
    case 'push':
      return `git push to Berth (${source.branch})`;
  }
}

export interface ServiceView extends AppService {
  projectName: string;
  url: string;
}

/** `environments` (the project's): a service outside production gets its environment's URL. */
export function toServiceView(
  service: AppService,
  projectName: string,
  config: UrlConfig,
  environments: Environment[] = [],
): ServiceView {
  const environment = environments.find((e) => e.id === service.environmentId);
  const scope = environment ? hostScopeOf(projectName, environment.name) : projectName;
  return { ...service, projectName, url: serviceUrl(service.name, scope, config) };
}
