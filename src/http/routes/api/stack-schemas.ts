/** JSON schemas of the compose stack and template API (OpenAPI). Values are checked by src/stacks/stack-input.ts. */
const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

export const idParams = { type: 'object', required: ['id'], properties: { id } } as const;

const variables = {
  type: 'object',
  description: '`{"KEY": "value"}` or `{"KEY": {"value": "…", "secret": true}}`; `${KEY}` in the compose file',
  additionalProperties: {
    anyOf: [
      { type: 'string' },
      { type: 'object', required: ['value'], properties: { value: { type: 'string' }, secret: { type: 'boolean' } } },
    ],
  },
} as const;

export const stackVariablesBody = variables;

export const createStackBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'source', 'routedService', 'routedPort'],
  properties: {
    name: { type: 'string', maxLength: 63, description: 'Lowercase letters, digits and dashes; unique per project' },
    source: {
      type: 'object',
      description:
        '`{"type": "paste", "compose": "<docker-compose.yml text>"}` or `{"type": "repo", "url", "branch", "path"}`',
      properties: {
        type: { type: 'string', enum: ['paste', 'repo'] },
        compose: { type: 'string', maxLength: 262144 },
        url: { type: 'string', maxLength: 2048 },
        branch: { type: 'string', maxLength: 200 },
        path: { type: 'string', maxLength: 300 },
      },
      required: ['type'],
      additionalProperties: false,
    },
    routedService: { type: 'string', maxLength: 31, description: 'The compose service that gets the stack’s address' },
    routedPort: { type: 'integer', description: 'The port that service listens on' },
    variables,
  },
} as const;

export const checkStackBody = {
  type: 'object',
  additionalProperties: false,
  required: ['compose'],
  properties: {
    compose: { type: 'string', maxLength: 262144 },
    variables: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

export const deleteStackBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    confirm: { type: 'string', maxLength: 63, description: 'The stack’s name' },
    deleteVolumes: { type: 'boolean', description: 'Also delete its named volumes (their data is gone)' },
  },
} as const;

const problem = {
  type: 'object',
  properties: { line: { type: ['integer', 'null'] }, field: { type: 'string' }, message: { type: 'string' } },
} as const;

export const checkResultSchema = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    problems: { type: 'array', items: problem },
    notes: { type: 'array', items: { type: 'string' } },
    services: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const stackSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    projectId: { type: 'string' },
    name: { type: 'string' },
    source: { type: 'object', additionalProperties: true },
    routedService: { type: 'string' },
    routedPort: { type: 'integer' },
    templateId: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['created', 'deploying', 'running', 'failed'] },
    error: { type: ['string', 'null'] },
    generation: { type: 'integer' },
    volumes: { type: 'array', items: { type: 'string' } },
    deployedAt: { type: ['string', 'null'] },
    environmentId: {
      type: ['string', 'null'],
      description: "The environment a duplicate's copy of the stack belongs to; null: project-wide (production)",
    },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    url: { type: 'string' },
    variables: {
      type: 'object',
      description: 'Secret values are null (never returned)',
      additionalProperties: {
        type: 'object',
        properties: { value: { type: ['string', 'null'] }, secret: { type: 'boolean' } },
      },
    },
  },
} as const;
