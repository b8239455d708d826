/**
 * The only importer of `ajv`: compiles a JSON Schema (draft 2020-12 features that draft-07 also has) and
 * reports every violation as a dotted field path and a sentence, for files users write (berth.json,
 * compose files, template metadata). Unknown keywords in a schema are an error at compile time.
 */
import { Ajv, type ErrorObject } from 'ajv';

export interface SchemaProblem {
  /** Path segments to the offending value, e.g. ['services', 'web', 'replicas']; [] for the root. */
  path: (string | number)[];
  /** Dotted form of `path` for messages ("services.web.replicas", or "(root)"). */
  field: string;
  message: string;
}

export type SchemaCheck = (value: unknown) => SchemaProblem[];

export function compileSchema(schema: object): SchemaCheck {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map(toProblem);
  };
}

function toProblem(error: ErrorObject): SchemaProblem {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    path.push(params.additionalProperty);
    return { path, field: dotted(path), message: 'is not a known setting' };
  }
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    path.push(params.missingProperty);
    return { path, field: dotted(path), message: 'is required' };
  }
  return { path, field: dotted(path), message: error.message ?? 'is not valid' };
}

function dotted(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}
