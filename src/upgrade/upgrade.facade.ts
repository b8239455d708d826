/** Starting an in-place upgrade from the panel (the helper container does the swap; see upgrade-start.ts). */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { Runtime } from '../runtime/runtime.js';
import { startUpgrade } from './upgrade-start.js';

export function createUpgradeFacade(config: Config, runtime: Runtime, db: Db) {
  return { start: (target: string) => startUpgrade(config, runtime, db, target) };
}

export type UpgradeFacade = ReturnType<typeof createUpgradeFacade>;
