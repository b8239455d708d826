/** JSON schemas of the volume API (OpenAPI). Names and mount paths are checked by src/volumes/volume-input.ts (400 naming the field). */
const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

export const serviceParams = { type: 'object', required: ['id'], properties: { id } } as const;
export const volumeParams = {
  type: 'object',
  required: ['id', 'volumeId'],
  properties: { id, volumeId: id },
} as const;
export const backupParams = {
  type: 'object',
  required: ['id', 'volumeId', 'backupId'],
  properties: { id, volumeId: id, backupId: id },
} as const;

const fields = {
  name: {
    type: 'string',
    maxLength: 64,
    description: 'Lowercase letters, digits and dashes, starting with a letter (at most 31); unique per service',
  },
  mountPath: {
    type: 'string',
    maxLength: 300,
    description: 'Absolute, normalised path in the container; not a system directory (/, /etc, /usr, /proc…)',
  },
  shared: {
    type: 'boolean',
    description:
      'true: the app can use the volume from old and new containers at once, so deploys keep the zero-downtime ' +
      'switch. false (default): deploys stop the old containers before the new ones start (brief downtime).',
  },
} as const;

export const createVolumeBody = {
  type: 'object',
  required: ['name', 'mountPath'],
  additionalProperties: false,
  properties: fields,
} as const;

export const updateVolumeBody = {
  type: 'object',
  additionalProperties: false,
  properties: { mountPath: fields.mountPath, shared: fields.shared },
} as const;

const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'] } as const;

export const volumeSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    serviceId: { type: 'string' },
    name: { type: 'string' },
    mountPath: { type: 'string' },
    shared: { type: 'boolean' },
    dockerName: { type: 'string', description: 'The Docker volume' },
    sizeBytes: { type: ['integer', 'null'], description: 'On disk, as the engine counts it; null while unknown' },
    createdAt: time,
    updatedAt: time,
  },
} as const;

export const volumeBackupSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    volumeId: { type: 'string' },
    status: { type: 'string', enum: ['running', 'verified', 'failed'] },
    sizeBytes: { type: ['integer', 'null'], description: 'Size of the tar archive' },
    fileCount: { type: ['integer', 'null'], description: 'Files checked by the verification' },
    sha256: { type: ['string', 'null'], description: 'sha256 of the archive' },
    error: { type: ['string', 'null'] },
    startedAt: { type: 'string' },
    finishedAt: nullableTime,
    restoredAt: nullableTime,
  },
} as const;
