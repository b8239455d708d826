/** JSON schemas shared by API routes; they drive validation, serialization and the OpenAPI document. */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable machine-readable code, e.g. VALIDATION_FAILED' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
} as const;

export const userSchema = {
  $id: 'User',
  type: 'object',
  required: ['id', 'email', 'role', 'createdAt'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string', enum: ['owner', 'admin', 'member'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const apiTokenSchema = {
  $id: 'ApiToken',
  type: 'object',
  required: ['id', 'name', 'prefix', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string', description: 'First characters of the token, to tell tokens apart' },
    createdAt: { type: 'string', format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
    projectId: { type: ['string', 'null'], description: 'The one project it reaches; null: every project you reach' },
    role: { type: 'string', enum: ['admin', 'developer', 'viewer'], description: 'Capped by your own role' },
    readOnly: { type: 'boolean' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

/** 400 a malformed request (schema), 401 no valid token, 404 not found, 409 a conflict with the current state, 422 an invalid value. */
export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  409: { $ref: 'Error#' },
  422: { $ref: 'Error#' },
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];

/** preValidation hook: a request without a body gets `{}`, so an object body schema can still validate it. */
export async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}
