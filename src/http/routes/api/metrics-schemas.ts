/** OpenAPI shapes of resource metrics and usage. */
import { RANGES } from '../../../metrics/metrics.types.js';

export const rangeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { range: { type: 'string', enum: [...RANGES], default: '1h' } },
} as const;

export const monthQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    month: {
      type: 'string',
      pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
      description: 'UTC calendar month; default: the current one',
    },
  },
} as const;

export const metricSeriesSchema = {
  $id: 'MetricSeries',
  type: 'object',
  required: ['range', 'step', 'from', 'to', 'points'],
  properties: {
    range: { type: 'string', enum: [...RANGES] },
    step: { type: 'integer', description: 'Seconds one point covers' },
    from: { type: 'integer', description: 'Unix seconds' },
    to: { type: 'integer', description: 'Unix seconds' },
    points: {
      type: 'array',
      description: 'Steps without samples (nothing running) are left out',
      items: {
        type: 'object',
        required: [
          't',
          'cpuPercent',
          'memoryBytes',
          'memoryLimitBytes',
          'netRxRate',
          'netTxRate',
          'blkReadRate',
          'blkWriteRate',
          'restarts',
          'diskBytes',
        ],
        properties: {
          t: { type: 'integer', description: 'Start of the step, unix seconds' },
          cpuPercent: { type: 'number', description: 'CPU in % of one core (200 = two cores), like docker stats' },
          memoryBytes: { type: 'number', description: 'Average memory in use (usage minus inactive page cache)' },
          memoryLimitBytes: { type: 'number' },
          netRxRate: { type: 'number', description: 'Bytes per second received' },
          netTxRate: { type: 'number', description: 'Bytes per second sent' },
          blkReadRate: { type: 'number' },
          blkWriteRate: { type: 'number' },
          restarts: { type: 'integer', description: 'Container restarts within the step' },
          diskBytes: {
            type: ['number', 'null'],
            description: 'Container layers and volumes (services) or the data dir file system (server)',
          },
        },
      },
    },
  },
} as const;

export const usageSchema = {
  $id: 'ProjectUsage',
  type: 'object',
  required: ['month', 'from', 'to', 'lines'],
  properties: {
    month: { type: 'string' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'serviceId',
          'serviceName',
          'kind',
          'cpuHours',
          'memoryGbHours',
          'egressBytes',
          'ingressBytes',
          'diskBytes',
        ],
        properties: {
          serviceId: { type: 'string' },
          serviceName: { type: 'string' },
          kind: { type: 'string', enum: ['app', 'database'] },
          cpuHours: { type: 'number', description: 'Core-hours of CPU time' },
          memoryGbHours: { type: 'number', description: 'Average memory in GB (10^9 bytes) times hours running' },
          egressBytes: { type: 'number', description: 'Bytes the containers sent' },
          ingressBytes: { type: 'number' },
          diskBytes: { type: 'number', description: 'Largest disk use in the month (container layers and volumes)' },
        },
      },
    },
  },
} as const;
