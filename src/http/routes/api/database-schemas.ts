/** OpenAPI schemas of managed databases and backups. Response schemas list every field: nothing else (no credential) can leak out. */

const counts = { type: ['object', 'null'], additionalProperties: { type: 'integer' } } as const;

export const databaseSchema = {
  $id: 'Database',
  type: 'object',
  properties: {
    id: { type: 'string' },
    projectId: { type: 'string' },
    name: { type: 'string' },
    engine: { type: 'string', enum: ['postgres', 'mysql', 'mariadb', 'redis', 'mongo'] },
    image: { type: 'string' },
    status: { type: 'string', enum: ['creating', 'running', 'stopped', 'failed'] },
    health: { type: 'string' },
    memoryMb: { type: ['integer', 'null'] },
    cpus: { type: ['number', 'null'] },
    publicAccess: {
      type: ['object', 'null'],
      properties: { host: { type: 'string' }, port: { type: 'integer' } },
    },
    backupSchedule: { type: ['string', 'null'] },
    backupKeep: { type: 'integer' },
    variableNames: { type: 'array', items: { type: 'string' } },
    lastError: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const backupSchema = {
  $id: 'Backup',
  type: 'object',
  properties: {
    id: { type: 'string' },
    databaseId: { type: 'string' },
    status: { type: 'string', enum: ['running', 'verified', 'failed'] },
    trigger: { type: 'string', enum: ['manual', 'schedule'] },
    fileName: { type: ['string', 'null'] },
    sizeBytes: { type: ['integer', 'null'] },
    sha256: { type: ['string', 'null'] },
    dumpMs: { type: ['integer', 'null'] },
    verifyMs: { type: ['integer', 'null'] },
    sourceCounts: counts,
    restoredCounts: counts,
    error: { type: ['string', 'null'] },
    startedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
  },
} as const;

export const databaseSchemas = [databaseSchema, backupSchema];
