/** How a service is shown to people and API clients: its public URL and a one-line source summary. */
import type { Config } from '../config.js';
import { defaultHostname, type AppService, type ServiceSource } from './service.types.js';

export type UrlConfig = Pick<Config, 'appsDomain' | 'httpPort'>;

/** `http://<service>-<project>.<apps domain>`, with the proxy's port when it is not 80. */
export function serviceUrl(serviceName: string, projectName: string, config: UrlConfig): string {
  const port = config.httpPort === 80 ? '' : `:${config.httpPort}`;
  return `http://${defaultHostname(serviceName, projectName, config.appsDomain)}${port}`;
}

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
