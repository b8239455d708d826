/** OpenAPI shapes of deployments. */
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
        'active',
        'failed',
        'cancelled',
        'interrupted',
        'superseded',
        'replaced',
      ],
    },
    trigger: { type: 'string', enum: ['manual', 'api', 'push', 'webhook', 'rollback'] },
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
    rollbackOf: { type: ['string', 'null'] },
    error: { type: ['string', 'null'], description: 'Why the deployment failed, in words' },
    url: { type: ['string', 'null'], description: "The service's public URL" },
    phaseTimings: { type: 'object', additionalProperties: { type: 'number' }, description: 'Milliseconds per phase' },
    createdAt: { type: 'string' },
    startedAt: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] },
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
