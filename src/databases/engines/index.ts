/** The engines Berth can run, by name. */
import { mariadb } from './mariadb.js';
import { mongo } from './mongo.js';
import { mysql } from './mysql.js';
import { postgres } from './postgres.js';
import { redis } from './redis.js';
import { ENGINE_NAMES, type EngineDefinition, type EngineName } from './types.js';

export const ENGINES: Record<EngineName, EngineDefinition> = { postgres, mysql, mariadb, redis, mongo };

export function isEngineName(value: unknown): value is EngineName {
  return typeof value === 'string' && (ENGINE_NAMES as readonly string[]).includes(value);
}

export { ENGINE_NAMES, type EngineDefinition, type EngineName };
