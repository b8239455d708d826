/**
 * Body schemas of the passkey ceremonies: what navigator.credentials.create()/get() return, as JSON with
 * base64url fields (PublicKeyCredential.toJSON()). Allow-lists with lengths; the WebAuthn library then
 * checks the contents.
 */
const b64url = (maxLength: number) => ({ type: 'string', pattern: '^[A-Za-z0-9_-]*$', maxLength }) as const;

const common = {
  id: b64url(1400),
  rawId: b64url(1400),
  type: { type: 'string', enum: ['public-key'] },
  authenticatorAttachment: { type: 'string', maxLength: 40 },
  clientExtensionResults: { type: 'object' },
} as const;

export const registrationCredential = {
  type: 'object',
  required: ['id', 'rawId', 'type', 'response'],
  properties: {
    ...common,
    response: {
      type: 'object',
      required: ['clientDataJSON', 'attestationObject'],
      properties: {
        clientDataJSON: b64url(4000),
        attestationObject: b64url(24000),
        authenticatorData: b64url(24000),
        publicKey: b64url(4000),
        publicKeyAlgorithm: { type: 'integer' },
        transports: { type: 'array', maxItems: 8, items: { type: 'string', maxLength: 20 } },
      },
    },
  },
} as const;

export const authenticationCredential = {
  type: 'object',
  required: ['id', 'rawId', 'type', 'response'],
  properties: {
    ...common,
    response: {
      type: 'object',
      required: ['clientDataJSON', 'authenticatorData', 'signature'],
      properties: {
        clientDataJSON: b64url(4000),
        authenticatorData: b64url(4000),
        signature: b64url(2000),
        userHandle: b64url(200),
      },
    },
  },
} as const;
