/** Engine status for the server page and the API: the engine's facts, or why they are missing. */
import { isAppError } from '../../errors.js';
import type { EngineInfo, Runtime } from '../../runtime/runtime.js';

export type EngineStatus = { available: true; info: EngineInfo } | { available: false; reason: string; since: string };

export async function describeEngine(runtime: Runtime): Promise<EngineStatus> {
  const state = runtime.state();
  if (!state.available) return { available: false, reason: state.reason, since: state.since };
  try {
    return { available: true, info: await runtime.engineInfo() };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { available: false, reason: error.message, since: new Date().toISOString() };
  }
}
