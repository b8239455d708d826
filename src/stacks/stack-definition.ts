/**
 * A stack's compose file, checked into what a deploy runs: refused options become one VALIDATION_FAILED
 * naming each line, the routed service must be in the file and reachable by Berth's proxy (on at least one
 * network that is not `internal`).
 */
import { AppError } from '../errors.js';
import { checkCompose } from './compose-check.js';
import type { StackDefinition } from './compose.types.js';
import { routedNetwork } from './stack-deploy.js';
import { composeRefused } from './stack-input.js';
import type { StackVariable } from './stack.types.js';

/** `composeDir`: the compose file's folder in its repository (absent: pasted, so env_file is refused). */
export function stackDefinition(
  compose: string,
  variables: Record<string, StackVariable>,
  routed: string,
  allowedHostPaths: readonly string[],
  composeDir?: string,
): StackDefinition {
  const values = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, v.value]));
  const result = checkCompose(compose, {
    variables: values,
    allowedHostPaths,
    ...(composeDir !== undefined ? { composeDir } : {}),
  });
  if (!result.stack) throw composeRefused(result.problems);
  const service = result.stack.services.find((s) => s.name === routed);
  if (!service)
    throw new AppError('VALIDATION_FAILED', `The routed service ${routed} is not a service of the compose file.`, {
      details: { routedService: `not in the file (${result.stack.services.map((s) => s.name).join(', ')})` },
    });
  if (routedNetwork(result.stack, service) === undefined)
    throw new AppError(
      'VALIDATION_FAILED',
      `The routed service ${routed} is only on internal networks; Berth's proxy reaches it on a network that is not internal.`,
      { details: { routedService: 'only on internal networks' } },
    );
  return result.stack;
}
