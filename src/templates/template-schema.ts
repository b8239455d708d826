/** The JSON schema of a template's template.json (checked when the catalog loads, and by the catalog test). */
import { compileSchema } from '../lib/json-schema.js';

const NAME = '^[A-Z][A-Z0-9_]{0,63}$';

export const TEMPLATE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'icon', 'documentation', 'routedService', 'routedPort', 'variables'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 60 },
    description: { type: 'string', minLength: 1, maxLength: 300 },
    icon: {
      type: 'string',
      minLength: 1,
      maxLength: 40,
      description: 'icon.svg (a file of the folder) or a short emoji or letter; never a URL',
      not: { pattern: '^[a-z]+:' },
    },
    documentation: { type: 'string', pattern: '^https://[^\\s]+$', maxLength: 300 },
    routedService: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,30}$' },
    routedPort: { type: 'integer', minimum: 1, maximum: 65535 },
    variables: {
      type: 'object',
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          description: { type: 'string', maxLength: 200 },
          default: { type: 'string', maxLength: 1000 },
          generate: { type: 'string', enum: ['secret', 'password', 'hex32'] },
        },
      },
    },
  },
} as const;

export const checkTemplateMeta = compileSchema(TEMPLATE_SCHEMA);
