/** The branch whose pushes deploy a service: its git source's branch, a push service's branch, else main. */
import type { AppService } from '../projects/service.types.js';

export function deployBranchOf(service: AppService): string {
  return service.source.type === 'image' ? 'main' : service.source.branch;
}
