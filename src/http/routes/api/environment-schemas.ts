/** JSON schemas of the environments API (src/http/routes/api/environments.routes.ts). */
export const environmentParams = {
  type: 'object',
  required: ['id', 'env'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    env: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'The environment name (or id)' },
  },
} as const;

export const sharedKeyParams = {
  type: 'object',
  required: ['id', 'key'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    key: { type: 'string', maxLength: 200 },
  },
} as const;

export const environmentSchema = {
  type: 'object',
  required: ['id', 'projectId', 'name', 'isProduction', 'serviceCount', 'networkName'],
  properties: {
    id: { type: 'string' },
    projectId: { type: 'string' },
    name: { type: 'string' },
    isProduction: { type: 'boolean' },
    serviceCount: { type: 'integer', description: 'Apps and databases in it' },
    networkName: { type: 'string', description: "The environment's Docker network" },
  },
} as const;

export const nameBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', maxLength: 200, examples: ['staging'] } },
} as const;

export const duplicateBody = {
  type: 'object',
  required: ['name', 'databases'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 200, examples: ['staging'] },
    databases: {
      type: 'string',
      description: '"empty": new empty databases; "seed": each restored from its source\'s latest verified backup',
    },
    deploy: {
      type: 'boolean',
      description: 'Queue a deploy of every copied app and start every copied stack (default false)',
    },
    cron: {
      type: 'string',
      description: '"as-source" (default): each cron job paused or active as in the source; "paused": all paused',
    },
  },
} as const;

export const duplicateResultSchema = {
  type: 'object',
  required: ['environment', 'services', 'databases', 'stacks', 'cron', 'deployed'],
  properties: {
    environment: environmentSchema,
    services: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          from: { type: 'string' },
          cronJobs: { type: 'integer', description: 'Cron jobs copied onto it' },
          volumes: { type: 'integer', description: 'Volumes copied onto it (new and empty)' },
        },
      },
    },
    stacks: {
      type: 'array',
      description: 'Compose stacks copied as `<stack>-<environment>` (not started unless deploy is true)',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' }, from: { type: 'string' } },
      },
    },
    cron: { type: 'string', enum: ['as-source', 'paused'] },
    databases: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          from: { type: 'string' },
          seededFrom: { type: ['string', 'null'], description: 'The backup restored into it' },
        },
      },
    },
    deployed: { type: 'boolean' },
  },
} as const;

export const sharedKeysSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['key', 'secret', 'updatedAt'],
    properties: { key: { type: 'string' }, secret: { type: 'boolean' }, updatedAt: { type: 'string' } },
  },
} as const;
