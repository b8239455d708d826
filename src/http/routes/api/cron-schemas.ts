/** JSON schemas of the cron job API (OpenAPI). Field values are checked by src/cron/cron-input.ts (422 with the field). */
const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

export const serviceParams = { type: 'object', required: ['id'], properties: { id } } as const;
export const jobParams = { type: 'object', required: ['id', 'jobId'], properties: { id, jobId: id } } as const;
export const runParams = {
  type: 'object',
  required: ['id', 'jobId', 'runId'],
  properties: { id, jobId: id, runId: id },
} as const;

const command = {
  description: "An argv array (run as is), or a string run by the image's own `/bin/sh -c` (never a shell on the host)",
  anyOf: [
    { type: 'array', items: { type: 'string', maxLength: 4096 }, maxItems: 64 },
    { type: 'string', maxLength: 4096 },
  ],
} as const;

const fields = {
  name: { type: 'string', maxLength: 64, description: 'Lowercase letters, digits and dashes; unique per service' },
  schedule: { type: 'string', maxLength: 200, description: '5 cron fields, or 6 with seconds first' },
  timezone: { type: 'string', maxLength: 64, description: 'IANA time zone (default UTC)' },
  command,
  overlap: { type: 'string', maxLength: 16, description: 'skip | queue | replace (default skip)' },
  timeoutSeconds: { type: 'integer', description: '1 to 86400 (default 3600); the run is killed after it' },
  retries: { type: 'integer', description: '0 to 5 more attempts after a failed or timed-out run' },
  enabled: { type: 'boolean', description: 'false pauses the schedule (run now still works)' },
} as const;

export const createCronBody = {
  type: 'object',
  required: ['name', 'schedule', 'command'],
  additionalProperties: false,
  properties: fields,
} as const;

export const updateCronBody = { type: 'object', additionalProperties: false, properties: fields } as const;

const nullableInt = { type: ['integer', 'null'] } as const;
const runProperties = {
  id: { type: 'string' },
  jobId: { type: 'string' },
  trigger: { type: 'string', enum: ['schedule', 'manual', 'retry', 'queue'] },
  attempt: { type: 'integer' },
  status: { type: 'string', enum: ['running', 'succeeded', 'failed', 'timed-out', 'skipped', 'cancelled'] },
  image: { type: ['string', 'null'] },
  startedAt: { type: 'integer', description: 'epoch ms' },
  endedAt: nullableInt,
  durationMs: nullableInt,
  exitCode: nullableInt,
  error: { type: ['string', 'null'] },
} as const;

export const cronRunSchema = { type: 'object', properties: runProperties } as const;
export const cronRunWithLogSchema = {
  type: 'object',
  properties: { ...runProperties, log: { type: 'string', description: 'The tail of its output (secrets hidden)' } },
} as const;

export const cronJobSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    serviceId: { type: 'string' },
    name: { type: 'string' },
    schedule: { type: 'string' },
    timezone: { type: 'string' },
    command: {
      type: 'object',
      properties: { argv: { type: 'array', items: { type: 'string' } }, shell: { type: 'string' } },
    },
    overlap: { type: 'string' },
    timeoutSeconds: { type: 'integer' },
    retries: { type: 'integer' },
    enabled: { type: 'boolean' },
    nextRunAt: { type: ['string', 'null'] },
    isRunning: { type: 'boolean' },
    lastRun: { anyOf: [cronRunSchema, { type: 'null' }] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;
