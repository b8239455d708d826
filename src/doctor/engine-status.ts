/** Engine status for the server page, the API and the health check: the engine's facts, or why they are missing. */
import { isAppError } from '../errors.js';
import type { EngineInfo, Runtime } from '../runtime/runtime.js';

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

/** The facade the HTTP layer reads the engine through (it never holds the runtime itself). */
export function createEngineStatus(runtime: Runtime) {
  return {
    /** Last known availability, without asking the engine (cheap: every page shows it). */
    isAvailable: () => runtime.state().available,
    /** Asks the engine now. */
    refresh: async () => (await runtime.refreshState()).available,
    describe: () => describeEngine(runtime),
  };
}

export type EngineStatusFacade = ReturnType<typeof createEngineStatus>;
