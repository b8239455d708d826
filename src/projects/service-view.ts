/** How a service is shown to people and API clients: its public URL and a one-line source summary. */
import { serviceUrl, type AppService, type ServiceSource, type UrlConfig } from './service.types.js';

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

export function toServiceView(service: AppService, projectName: string, config: UrlConfig): ServiceView {
  return { ...service, projectName, url: serviceUrl(service.name, projectName, config) };
}
