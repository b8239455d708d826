/** OpenAPI shapes of deployments. */
import { configFileSchema } from './project-schemas.js';

export const deploymentSchema = {
  $id: 'Deployment',
  type: 'object',
  required: ['id', 'serviceId', 'status', 'trigger', 'createdAt'],
  properties: {
    id: { type: 'string' },
    serviceId: { type: 'string' },
    status: {
      type: 'string',
      enum: [
        'queued',
        'fetching',
        'building',
        'releasing',
        'starting',
        'healthy',
        'watching',
        'active',
        'failed',
        'cancelled',
        'interrupted',
        'superseded',
        'replaced',
      ],
    },
    trigger: { type: 'string', enum: ['manual', 'api', 'push', 'webhook', 'rollback', 'upload', 'autoscale'] },
    triggeredBy: { type: ['string', 'null'] },
    commit: {
      type: ['object', 'null'],
      properties: {
        sha: { type: 'string' },
        message: { type: ['string', 'null'] },
        author: { type: ['string', 'null'] },
      },
    },
    image: { type: ['string', 'null'] },
    builtFrom: {
      type: ['string', 'null'],
      enum: ['url', 'push', 'image', null],
      description:
        "Where the code comes from: the git source's branch fetched at deploy time (url), a commit pushed to Berth's git remote (push), or an image",
    },
    rollbackOf: { type: ['string', 'null'] },
    error: { type: ['string', 'null'], description: 'Why the deployment failed, in words' },
    url: { type: ['string', 'null'], description: "The service's public URL" },
    phaseTimings: { type: 'object', additionalProperties: { type: 'number' }, description: 'Milliseconds per phase' },
    createdAt: { type: 'string' },
    startedAt: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] },
    configFile: { ...configFileSchema, description: `${configFileSchema.description} (the deployment read only)` },
  },
} as const;

export const deploymentIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^dep_[0-9a-z]{1,40}$' } },
} as const;

export const serviceIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^svc_[0-9a-z]{1,40}$' } },
} as const;

export const sourcePlanSchema = {
  type: 'object',
  description:
    'What a deploy of the service builds now: after an accepted git push, the pushed commit, until code comes from the repository URL again (a webhook, or a deploy with source "url"); otherwise the URL\'s branch tip, fetched when the deploy starts.',
  required: ['builtFrom', 'commit', 'branch', 'image', 'description'],
  properties: {
    builtFrom: { type: 'string', enum: ['url', 'push', 'image'] },
    commit: {
      type: ['object', 'null'],
      description: 'The exact commit, when known before the deploy starts (a pushed commit)',
      properties: {
        sha: { type: 'string' },
        message: { type: ['string', 'null'] },
        author: { type: ['string', 'null'] },
      },
    },
    branch: { type: ['string', 'null'] },
    image: { type: ['string', 'null'] },
    description: { type: 'string' },
  },
} as const;

export const deployRequestBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    source: {
      type: 'string',
      enum: ['url', 'push'],
      description:
        "Build the repository URL's branch tip (url) or the commit last pushed to Berth's git remote (push) instead of what GET .../deployments/plan shows",
    },
  },
} as const;

export const rollbackRequestBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    keepCurrentVariables: {
      type: 'boolean',
      description: "Run the old image with today's variables instead of the ones that deployment ran with",
    },
  },
} as const;

/**
 * The `stream` filter of kept runtime logs: a plain string, checked by the kept-logs service, so a value off
 * the allow-list is a 422 (VALIDATION_FAILED) rather than the 400 a schema enum would give.
 */
export const keptStreamQuery = {
  type: 'string',
  description:
    'stdout or stderr keeps that stream\u2019s lines only; all (the default) keeps every line, also those kept without a stream',
} as const;

/** The stream of a kept line; null for lines kept before Berth stored it and for Berth's own marker lines. */
export const keptLineStream = { type: ['string', 'null'], enum: ['stdout', 'stderr', null] } as const;
