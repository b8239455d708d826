/**
 * Shared JSON schemas of projects, services and variables (referenced as "Project#", "Service#", ...).
 * Ranges come from the service settings rules so the OpenAPI document and the checks cannot drift.
 * The service layer validates again with field-level messages; these schemas shape and document.
 */
import { MAX_KEY_LENGTH, MAX_TOKEN_LENGTH, MAX_USERNAME_LENGTH } from '../../../projects/credentials.service.js';
import { LIMITS } from '../../../projects/service-settings.js';

const nullable = (type: string) => ({ type: [type, 'null'] });

export const environmentSchema = {
  $id: 'Environment',
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string', examples: ['production'] } },
} as const;

export const projectSchema = {
  $id: 'Project',
  type: 'object',
  required: ['id', 'name', 'createdAt', 'networkName', 'serviceCount'],
  properties: {
    id: { type: 'string', examples: ['prj_8f3k2m9q4x7b1c0d5e6g'] },
    name: { type: 'string', examples: ['shop'] },
    createdAt: { type: 'string', format: 'date-time' },
    networkName: { type: 'string', description: "The project's private Docker network" },
    serviceCount: { type: 'integer', description: 'Apps and databases in the project' },
    environments: { type: 'array', items: { $ref: 'Environment#' } },
  },
} as const;

const sourceProperties = {
  type: { type: 'string', enum: ['git', 'image', 'push'] },
  url: { type: 'string', maxLength: 2048, description: 'git: https:// or ssh repository URL' },
  branch: { type: 'string', maxLength: 255 },
  image: { type: 'string', maxLength: 512, description: 'image: a Docker image reference' },
} as const;

/** What a client sends: the secret itself. Never part of a response. */
const gitCredentialsInput = {
  description:
    'git only, write-only: an access token (https URLs) or a deploy key without a passphrase (ssh URLs). Stored encrypted and never returned. Leave it out to keep the stored credentials; null removes them.',
  anyOf: [
    {
      type: 'object',
      title: 'Access token',
      required: ['token'],
      additionalProperties: false,
      properties: {
        token: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_LENGTH, writeOnly: true },
        username: {
          type: 'string',
          maxLength: MAX_USERNAME_LENGTH,
          description: 'Sent with the token (HTTP Basic); x-access-token when empty',
        },
      },
    },
    {
      type: 'object',
      title: 'Deploy key',
      required: ['sshPrivateKey'],
      additionalProperties: false,
      properties: {
        sshPrivateKey: {
          type: 'string',
          maxLength: MAX_KEY_LENGTH,
          writeOnly: true,
          description: 'OpenSSH or PEM private key block (-----BEGIN … PRIVATE KEY-----)',
        },
      },
    },
    { type: 'null' },
  ],
} as const;

/** What a response says about the credentials: only which kind is set. */
const gitCredentialsRef = {
  description: 'git only: which credentials are stored (the secret is never returned); null when none',
  anyOf: [
    {
      type: 'object',
      required: ['kind'],
      additionalProperties: false,
      properties: {
        kind: { type: 'string', enum: ['token', 'ssh-key'] },
        username: { type: 'string', description: 'The user name sent with a token, when one was set' },
      },
    },
    { type: 'null' },
  ],
} as const;

export const serviceSourceSchema = {
  $id: 'ServiceSource',
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  description:
    'git: {"type": "git", "url": "https://…", "branch": "main", "credentials": {"token": "…"}} (credentials optional); image: {"type": "image", "image": "nginx:1.27"}; push: {"type": "push", "branch": "main"} (deployed by git push only)',
  properties: { ...sourceProperties, credentials: gitCredentialsInput },
} as const;

/**
 * A source in a response. Git sources always carry `credentials` (null when none); the serializer adds
 * the null, because the domain leaves the reference out when nothing is stored.
 */
export const serviceSourceViewSchema = {
  $id: 'ServiceSourceView',
  type: 'object',
  required: ['type'],
  properties: sourceProperties,
  if: { type: 'object', properties: { type: { const: 'git' } } },
  then: { type: 'object', properties: { ...sourceProperties, credentials: { ...gitCredentialsRef, default: null } } },
} as const;

export const healthCheckSchema = {
  $id: 'HealthCheck',
  type: 'object',
  description: 'HTTP: a GET of path must answer expectedStatus; TCP: the port must accept a connection.',
  additionalProperties: false,
  properties: {
    type: { type: 'string', enum: ['http', 'tcp'] },
    path: { type: 'string', maxLength: 512, pattern: '^/', examples: ['/up'] },
    expectedStatus: { type: 'integer', minimum: LIMITS.expectedStatus[0], maximum: LIMITS.expectedStatus[1] },
    timeoutSeconds: { type: 'integer', minimum: LIMITS.timeoutSeconds[0], maximum: LIMITS.timeoutSeconds[1] },
  },
} as const;

export const buildSettingsSchema = {
  $id: 'BuildSettings',
  type: 'object',
  additionalProperties: false,
  properties: {
    dockerfilePath: { ...nullable('string'), maxLength: 255, description: 'Relative to the context' },
    context: { ...nullable('string'), maxLength: 255, description: 'Relative to the repository root; "." by default' },
    buildArgs: { ...nullable('object'), additionalProperties: { type: 'string' } },
    buildpack: { ...nullable('string'), maxLength: 32, description: 'Force a buildpack instead of detection' },
  },
} as const;

export const resourcesSchema = {
  $id: 'Resources',
  type: 'object',
  additionalProperties: false,
  properties: {
    memoryMb: { ...nullable('integer'), minimum: LIMITS.memoryMb[0], maximum: LIMITS.memoryMb[1] },
    cpus: { ...nullable('number'), minimum: LIMITS.cpus[0], maximum: LIMITS.cpus[1] },
  },
} as const;

/** The berth.json behind a service's (or a deployment's) settings: README "Config as code". */
export const configFileSchema = {
  type: ['object', 'null'],
  description:
    'The berth.json the deploy applied (settings from it override the stored ones for that deploy); null: none',
  properties: {
    path: { type: 'string', description: 'Its path in the repository', examples: ['berth.json'] },
    environment: { type: ['string', 'null'], description: 'The environment whose overrides were merged in' },
    deploymentId: { type: 'string' },
    settings: { type: 'object', additionalProperties: true, description: 'The effective settings from the file' },
  },
} as const;

export const serviceSchema = {
  $id: 'Service',
  type: 'object',
  required: ['id', 'projectId', 'environmentId', 'name', 'source', 'port', 'replicas', 'url'],
  properties: {
    id: { type: 'string' },
    projectId: { type: 'string' },
    projectName: { type: 'string' },
    environmentId: { type: 'string' },
    name: { type: 'string', examples: ['web'] },
    source: { $ref: 'ServiceSourceView#' },
    build: { $ref: 'BuildSettings#' },
    port: {
      type: ['integer', 'null'],
      description:
        'The port the app listens on (also passed as PORT); null: the port the image EXPOSEs, else 3000, chosen at each deploy',
    },
    healthcheck: { $ref: 'HealthCheck#' },
    resources: { $ref: 'Resources#' },
    replicas: { type: 'integer' },
    releaseCommand: { ...nullable('string') },
    startCommand: {
      ...nullable('string'),
      description: "The containers' command when the repository's berth.json sets no start; null: the image's",
    },
    url: { type: 'string', description: 'Default URL: http://<service>-<project>.<apps domain>' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    configFile: { ...configFileSchema, description: `${configFileSchema.description} (the service read only)` },
  },
} as const;

export const variablesSchema = {
  $id: 'Variables',
  type: 'object',
  description: 'KEY → value. Keys: letters, digits and _, not starting with a digit; values: any text up to 64 KB.',
  additionalProperties: { type: 'string' },
  examples: [{ DATABASE_URL: 'postgres://…', GREETING: 'hello\nworld' }],
} as const;

export const variablesInputSchema = {
  $id: 'VariablesInput',
  type: 'object',
  description:
    'KEY → value, or KEY → {"value", "secret"} to mark the value secret (deployment logs redact it). ' +
    'A plain value keeps the stored flag. Names ending in _KEY, _SECRET, _TOKEN or holding PASSWORD are secret anyway.',
  additionalProperties: {
    anyOf: [
      { type: 'string' },
      {
        type: 'object',
        required: ['value'],
        additionalProperties: false,
        properties: { value: { type: 'string' }, secret: { type: 'boolean' } },
      },
    ],
  },
  examples: [{ NODE_ENV: 'production', STRIPE_WEBHOOK: { value: 'whsec_…', secret: true } }],
} as const;

export const variableKeysSchema = {
  $id: 'VariableKeys',
  type: 'array',
  items: {
    type: 'object',
    required: ['key', 'secret', 'updatedAt'],
    properties: { key: { type: 'string' }, secret: { type: 'boolean' }, updatedAt: { type: 'string' } },
  },
} as const;

/** Settings a client may send when creating or patching a service. */
export const serviceSettingsProperties = {
  port: { type: ['integer', 'null'], minimum: LIMITS.port[0], maximum: LIMITS.port[1] },
  healthcheck: { anyOf: [{ $ref: 'HealthCheck#' }, { type: 'null' }] },
  build: { anyOf: [{ $ref: 'BuildSettings#' }, { type: 'null' }] },
  resources: { anyOf: [{ $ref: 'Resources#' }, { type: 'null' }] },
  replicas: { type: 'integer', minimum: LIMITS.replicas[0], maximum: LIMITS.replicas[1] },
  releaseCommand: { ...nullable('string'), maxLength: LIMITS.releaseCommandLength },
  startCommand: { ...nullable('string'), maxLength: LIMITS.releaseCommandLength },
} as const;

/** What a delete did: the steps done, in order, and any that could not be done (the orphan clean-up retries those). */
export const teardownReportSchema = {
  $id: 'TeardownReport',
  type: 'object',
  required: ['id', 'name', 'steps', 'warnings'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    steps: { type: 'array', items: { type: 'string' } },
    warnings: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** The body of a confirmed delete: the name typed again. */
export const confirmBody = {
  type: 'object',
  additionalProperties: false,
  properties: { confirm: { type: 'string', maxLength: 200 } },
  examples: [{ confirm: 'web' }],
} as const;

export const projectSchemas = [
  teardownReportSchema,
  environmentSchema,
  projectSchema,
  serviceSourceSchema,
  serviceSourceViewSchema,
  healthCheckSchema,
  buildSettingsSchema,
  resourcesSchema,
  serviceSchema,
  variablesSchema,
  variablesInputSchema,
  variableKeysSchema,
];

/** Ids in paths: loose enough that an unknown id is a 404, strict enough to keep junk out. */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
} as const;
