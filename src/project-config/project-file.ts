/**
 * berth.project.json: a whole project as data (README "Project as code: berth plan / berth apply"). Its
 * JSON Schema is published at GET /schema/berth.project.json and checks the shape (unknown keys are refused
 * with their path); the values are then checked by the same rules as the create and update routes
 * (src/project-config/check-project-file.ts). Production at the top level, other environments (not
 * previews) under `environments`, each with its own services and databases.
 * Secret values never appear: a secret variable is `{"secret": true}`, and apply leaves its value alone.
 */

export const PROJECT_FILE_NAME = 'berth.project.json';
export const PROJECT_SCHEMA_ID = '/schema/berth.project.json';
export const PROJECT_FILE_VERSION = 1;

export type SecretPlaceholder = { secret: true };
export type FileVariable = string | SecretPlaceholder;

export interface FileService {
  source:
    { type: 'git'; url: string; branch: string } | { type: 'image'; image: string } | { type: 'push'; branch: string };
  /** `buildArgs`: literal values; one named like a secret is `{"secret": true}` (the server keeps its value). */
  build?: { dockerfilePath?: string; context?: string; buildpack?: string; buildArgs?: Record<string, FileVariable> };
  port?: number | null;
  healthcheck?: { type?: 'http' | 'tcp'; path?: string; expectedStatus?: number; timeoutSeconds?: number };
  replicas?: number;
  resources?: { memoryMb?: number; cpus?: number };
  releaseCommand?: string | null;
  /** The containers' command when the repository's berth.json sets no `start`; null: the image's. */
  startCommand?: string | null;
  /** Worker process types (from the Procfile or berth.json) and their replica counts. */
  processes?: Record<string, number>;
  variables?: Record<string, FileVariable>;
  /** Custom domains routed to the service's port. */
  domains?: string[];
}

export interface FileDatabase {
  engine: string;
  /** The image tag; absent: the server's configured image. */
  version?: string;
  resources?: { memoryMb?: number; cpus?: number };
  backup?: { schedule: string | null; keep?: number };
}

/** One environment's apps and databases. */
export interface FileScope {
  services: Record<string, FileService>;
  databases: Record<string, FileDatabase>;
}

/** Production's apps and databases at the top; every other environment (not previews) under `environments`. */
export interface ProjectFile extends FileScope {
  $schema?: string;
  version: 1;
  /** The project's name, for people reading the file; apply does not rename. */
  project?: string;
  environment: 'production';
  /** Left out: only production is managed. Given: the environments named (created when missing). */
  environments?: Record<string, FileScope>;
}

const resources = {
  type: 'object',
  additionalProperties: false,
  properties: {
    memoryMb: { type: 'integer', minimum: 16, maximum: 65536 },
    cpus: { type: 'number', minimum: 0.05, maximum: 64 },
  },
} as const;

/** A variable's or build arg's value: text, or `{"secret": true}` for a value that stays on the server. */
const valueOrSecret = (maxLength: number) =>
  ({
    oneOf: [
      { type: 'string', maxLength },
      {
        type: 'object',
        additionalProperties: false,
        required: ['secret'],
        properties: { secret: { const: true } },
      },
    ],
  }) as const;

const source = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'url', 'branch'],
      properties: {
        type: { const: 'git' },
        url: { type: 'string', maxLength: 2048 },
        branch: { type: 'string', maxLength: 255 },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'image'],
      properties: { type: { const: 'image' }, image: { type: 'string', maxLength: 512 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'branch'],
      properties: { type: { const: 'push' }, branch: { type: 'string', maxLength: 255 } },
    },
  ],
} as const;

const service = {
  type: 'object',
  additionalProperties: false,
  required: ['source'],
  properties: {
    source,
    build: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dockerfilePath: { type: 'string', maxLength: 255 },
        context: { type: 'string', maxLength: 255 },
        buildpack: { type: 'string', maxLength: 32 },
        buildArgs: {
          type: 'object',
          maxProperties: 100,
          propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' },
          additionalProperties: valueOrSecret(4096),
        },
      },
    },
    port: { type: ['integer', 'null'], minimum: 1, maximum: 65535 },
    healthcheck: {
      type: 'object',
      additionalProperties: false,
      properties: {
        type: { enum: ['http', 'tcp'] },
        path: { type: 'string', maxLength: 512 },
        expectedStatus: { type: 'integer', minimum: 100, maximum: 599 },
        timeoutSeconds: { type: 'integer', minimum: 1, maximum: 600 },
      },
    },
    replicas: { type: 'integer', minimum: 1, maximum: 10 },
    resources,
    releaseCommand: { type: ['string', 'null'], maxLength: 1000 },
    startCommand: { type: ['string', 'null'], maxLength: 1000 },
    processes: {
      type: 'object',
      maxProperties: 10,
      propertyNames: { pattern: '^[a-z0-9][a-z0-9_-]{0,29}$' },
      additionalProperties: { type: 'integer', minimum: 0, maximum: 20 },
    },
    variables: {
      type: 'object',
      maxProperties: 500,
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' },
      additionalProperties: valueOrSecret(65536),
    },
    domains: { type: 'array', maxItems: 50, uniqueItems: true, items: { type: 'string', maxLength: 253 } },
  },
} as const;

const database = {
  type: 'object',
  additionalProperties: false,
  required: ['engine'],
  properties: {
    engine: { type: 'string', maxLength: 32 },
    version: { type: 'string', maxLength: 64 },
    resources,
    backup: {
      type: 'object',
      additionalProperties: false,
      required: ['schedule'],
      properties: {
        schedule: { type: ['string', 'null'], maxLength: 100 },
        keep: { type: 'integer', minimum: 1, maximum: 100 },
      },
    },
  },
} as const;

export const PROJECT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: PROJECT_SCHEMA_ID,
  title: PROJECT_FILE_NAME,
  description:
    'A Berth project as data: its app services, their variables and build args (secret values never, only {"secret": true}) and domains, and its databases: production at the top, other environments under "environments".',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'environment', 'services', 'databases'],
  properties: {
    $schema: { type: 'string', maxLength: 500 },
    version: { const: PROJECT_FILE_VERSION },
    project: { type: 'string', maxLength: 63 },
    // Service and database names follow the service-name rules of the API (checked after the schema).
    environment: { const: 'production' },
    services: { type: 'object', maxProperties: 100, additionalProperties: service },
    databases: { type: 'object', maxProperties: 50, additionalProperties: database },
    environments: {
      type: 'object',
      maxProperties: 20,
      // Environment names follow the API's rules (checked after the schema); production is the top level.
      propertyNames: { pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['services', 'databases'],
        properties: {
          services: { type: 'object', maxProperties: 100, additionalProperties: service },
          databases: { type: 'object', maxProperties: 50, additionalProperties: database },
        },
      },
    },
  },
} as const;
