/** The lifecycle feature as main.ts and the HTTP layer see it: confirmed deletes that stop everything, and orphan clean-up. */
import { AppError } from '../errors.js';
import type { Job } from '../jobs/scheduler.js';
import { findScopedProject } from '../projects/environment-scope.js';
import type { AppService, Project } from '../projects/service.types.js';
import { getAppService } from '../projects/services.service.js';
import { checkNameConfirmation } from './confirmation.js';
import { orphanReconcileJob } from './orphan-reconcile.js';
import type { LifecycleDeps } from './ports.js';
import { tearDownProject, type DeleteProjectInput } from './project-teardown.js';
import { requireEngine, tearDownAppService } from './service-teardown.js';
import type { TeardownReport } from './teardown-report.js';

export type { DeleteProjectInput } from './project-teardown.js';

export class Lifecycle {
  /** Deletes in progress, by service or project id: a second request meanwhile is refused (409), not run twice. */
  private readonly deleting = new Set<string>();

  constructor(readonly deps: LifecycleDeps) {}

  /** Deletes an app service and everything it had, once `confirm` equals its name. */
  async deleteService(
    id: string,
    input: { confirm?: unknown },
  ): Promise<{ service: AppService; report: TeardownReport }> {
    const service = await getAppService(this.deps.db, id);
    checkNameConfirmation('service', service.name, input.confirm);
    const project = await findScopedProject(this.deps.db, service.projectId, service.environmentId);
    if (!project) throw new AppError('NOT_FOUND', `No project with id "${service.projectId}".`);
    requireEngine(this.deps.runtime);
    const report = await this.once(id, () => tearDownAppService(this.deps, service, project));
    this.deps.logger.info({ serviceId: id, ...report.toJSON() }, 'service deleted');
    return { service, report };
  }

  /** Deletes a project with every app service and database in it, then its network. */
  async deleteProject(id: string, input: DeleteProjectInput): Promise<{ project: Project; report: TeardownReport }> {
    const result = await this.once(id, () => tearDownProject(this.deps, id, input));
    this.deps.logger.info({ projectId: id, ...result.report.toJSON() }, 'project deleted');
    return result;
  }

  reconcileJob(): Job {
    return orphanReconcileJob(this.deps);
  }

  private async once<T>(id: string, work: () => Promise<T>): Promise<T> {
    if (this.deleting.has(id))
      throw new AppError('DELETE_IN_PROGRESS', 'This is being deleted already; wait for that delete to finish.');
    this.deleting.add(id);
    try {
      return await work();
    } finally {
      this.deleting.delete(id);
    }
  }
}
