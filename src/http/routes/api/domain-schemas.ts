/** JSON schemas of the domains API (registered on the root instance, listed in the OpenAPI document). */
const nullableString = { type: ['string', 'null'] } as const;

export const domainSchema = {
  $id: 'Domain',
  type: 'object',
  required: ['id', 'serviceId', 'hostname', 'port', 'redirectTo', 'hsts', 'url', 'certificate'],
  properties: {
    id: { type: 'string' },
    serviceId: { type: 'string' },
    hostname: { type: 'string', description: 'Normalised: lowercase ASCII (punycode), no trailing dot' },
    port: { type: ['integer', 'null'], description: "Container port; null = the service's port" },
    redirectTo: { ...nullableString, description: 'Set on a www/apex twin that redirects (308) to this name' },
    hsts: { type: 'boolean' },
    url: { type: 'string' },
    createdAt: { type: 'string' },
    certificate: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['pending', 'issued', 'failed'] },
        serving: { type: 'string', enum: ['issued', 'self-signed'] },
        summary: { type: 'string' },
        issuer: nullableString,
        notBefore: nullableString,
        notAfter: nullableString,
        lastError: { ...nullableString, description: 'Why the last order failed, in words' },
        failures: { type: 'integer', description: 'Failed orders in a row' },
        lastAttemptAt: nullableString,
        nextRetryAt: nullableString,
        ordering: { type: 'boolean' },
      },
    },
  },
} as const;

export const dnsCheckSchema = {
  $id: 'DnsCheck',
  type: 'object',
  properties: {
    hostname: { type: 'string' },
    verdict: { type: 'string', enum: ['points-here', 'points-elsewhere', 'no-records', 'lookup-failed'] },
    addresses: { type: 'array', items: { type: 'string' } },
    serverAddresses: { type: 'array', items: { type: 'string' } },
    message: { type: 'string' },
  },
} as const;

export const addDomainBody = {
  type: 'object',
  required: ['hostname'],
  additionalProperties: false,
  properties: {
    hostname: { type: 'string', minLength: 1, maxLength: 300 },
    port: { type: ['integer', 'null'], minimum: 1, maximum: 65535 },
    redirectTwin: { type: 'boolean', description: 'Also add the www/apex twin, redirecting to this name' },
    hsts: { type: 'boolean', description: 'Send Strict-Transport-Security over HTTPS' },
  },
  examples: [{ hostname: 'app.example.com' }, { hostname: 'example.com', redirectTwin: true, hsts: true }],
} as const;
