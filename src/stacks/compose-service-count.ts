/**
 * How many services a compose file names (the canvas tile says it). Only the file's `services:` keys are
 * counted: no interpolation, no checks (the deploy does those). A repository's file is not read here, so
 * its count is unknown (null) until the panel fetches it.
 */
import { parseYaml } from '../lib/yaml-document.js';
import type { StackSource } from './stack.types.js';

export function composeServiceCount(source: StackSource): number | null {
  if (source.type !== 'paste') return null;
  const parsed = parseYaml(source.compose);
  if (parsed.problems.length > 0) return null;
  const value = parsed.value as { services?: unknown } | null;
  const services = value && typeof value === 'object' ? value.services : undefined;
  return services && typeof services === 'object' && !Array.isArray(services) ? Object.keys(services).length : null;
}
