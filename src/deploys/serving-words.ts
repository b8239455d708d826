/**
 * What keeps serving when a deployment fails or is cancelled, said only when it is true: on a first
 * deploy there is no previous version, so "the previous version keeps serving" would be false.
 */
import type { Db } from '../db/connection.js';
import { findActiveDeployment } from './deployments.repository.js';

/** Is another deployment of the service than `deploymentId` serving right now? */
export async function isOtherVersionServing(db: Db, serviceId: string, deploymentId: string): Promise<boolean> {
  const active = await findActiveDeployment(db, serviceId);
  return active !== undefined && active.id !== deploymentId;
}

/** The last line of a failed deployment's log (and of a rejected push). */
export function afterFailureWords(isServing: boolean): string {
  return isServing
    ? 'The previous version keeps serving.'
    : 'Nothing of this service was running before this deployment, so nothing serves it yet.';
}

/** The question before cancelling, and the message after. */
export function cancelWords(isServing: boolean): { confirm: string; done: string } {
  return isServing
    ? {
        confirm: 'Cancel this deployment? The version running now keeps serving.',
        done: 'Deployment cancelled. The version that was running keeps serving.',
      }
    : {
        confirm: 'Cancel this deployment? Nothing of this service runs yet, so nothing will serve it.',
        done: 'Deployment cancelled. Nothing of this service runs yet; deploy again when ready.',
      };
}
