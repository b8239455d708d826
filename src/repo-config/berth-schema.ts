/**
 * The published JSON Schema of `berth.json`, the per-service settings file at the root of a service's build
 * context (README "Config as code"). Served as is at GET /schema/berth.json; the deploy validates every
 * file against it (src/lib/json-schema.ts) before the rules no schema can say (secrets, start command).
 * Limits match the service settings of the panel and API (src/projects/service-settings.ts).
 */

export const BERTH_SCHEMA_ID = '/schema/berth.json';

const healthcheck = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: { enum: ['http', 'tcp'] },
    path: { type: 'string', pattern: '^/[A-Za-z0-9\\-._~/%?=&+:@,]{0,511}$' },
    expectedStatus: { type: 'integer', minimum: 100, maximum: 599 },
    timeoutSeconds: { type: 'integer', minimum: 1, maximum: 600 },
  },
} as const;

const build = {
  type: 'object',
  additionalProperties: false,
  properties: {
    builder: { enum: ['dockerfile', 'buildpack'] },
    dockerfilePath: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      // Relative, inside the build context: no leading "/", no ".." segment.
      pattern: '^(?!/)(?!(?:.*/)?\\.\\.(?:/|$))[A-Za-z0-9._/-]+$',
    },
    buildpack: { enum: ['node', 'python', 'go', 'static'] },
    watchPaths: {
      type: 'array',
      maxItems: 50,
      items: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f]+$' },
    },
  },
} as const;

const resources = {
  type: 'object',
  additionalProperties: false,
  properties: {
    memoryMb: { type: 'integer', minimum: 16, maximum: 65536 },
    cpus: { type: 'number', minimum: 0.05, maximum: 64 },
  },
} as const;

const command = { type: 'string', minLength: 1, maxLength: 1000 } as const;

/** Everything a service may set; an environment override is the same minus `environments` and `$schema`. */
const settings = {
  build,
  start: command,
  release: command,
  healthcheck,
  replicas: { type: 'integer', minimum: 1, maximum: 10 },
  resources,
  // Worker process types beside web, as in a Procfile (which the file replaces when it sets them).
  processes: {
    type: 'object',
    maxProperties: 10,
    propertyNames: { pattern: '^(?!web$|release$)[a-z0-9][a-z0-9_-]{0,29}$' },
    additionalProperties: command,
  },
  variables: {
    type: 'object',
    maxProperties: 200,
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' },
    additionalProperties: { type: 'string', maxLength: 4096 },
  },
} as const;

/**
 * Preview environments of the service's project (README "Preview environments"). Read from the files of the
 * production apps only (the production branch's repository), top level only: a branch cannot change its own
 * preview. Where a file sets a field, it wins over the project's panel/API setting, which then shows it
 * read-only. Limits match src/previews/preview-settings.ts. Whether forks get previews stays a panel choice.
 */
const preview = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    ttlHours: { type: 'integer', minimum: 1, maximum: 720 },
    maxPreviews: { type: 'integer', minimum: 1, maximum: 20 },
    databases: { enum: ['empty', 'seed'] },
    memoryMb: { type: 'integer', minimum: 32, maximum: 65536 },
  },
} as const;

export const BERTH_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: BERTH_SCHEMA_ID,
  title: 'berth.json',
  description:
    "A Berth service's settings, kept in its repository. They override the service's stored settings for each deploy.",
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', maxLength: 500 },
    ...settings,
    preview,
    environments: {
      type: 'object',
      maxProperties: 50,
      propertyNames: { pattern: '^[a-z][a-z0-9-]{0,62}$' },
      additionalProperties: { type: 'object', additionalProperties: false, properties: settings },
    },
  },
} as const;
