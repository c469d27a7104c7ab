import { ref, type ComponentName, type JsonSchema } from './openapi-schemas.js';

/*
 * The building blocks of the OpenAPI operations (openapi.ts, openapi-crud-paths.ts): replies, the refusals every
 * guarded route can answer with, parameters and bodies.
 */

export type Operation = Record<string, unknown>;
export type PathItem = Partial<Record<'get' | 'post' | 'put' | 'delete', Operation>>;

export const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
export const reply = (description: string, schema: JsonSchema = ref('Error')) => ({
  description,
  content: json(schema),
});

/** Refusals any guarded route can answer with, before its own logic runs. */
export const GUARDED = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '421': { $ref: '#/components/responses/UnknownHost' },
};
/** Writes also need a same-site or allowed Origin. */
export const WRITE = { ...GUARDED, '403': { $ref: '#/components/responses/ForbiddenOrigin' } };
export const DATABASE = { '503': { $ref: '#/components/responses/DatabaseUnavailable' } };
export const BODY = {
  '413': reply('the body is larger than 64 KiB (`bad_request`)'),
  '415': reply('the body is not `application/json` (`bad_request`)'),
};
/** For routes that need no token (the default `security` requires one). */
export const NO_TOKEN = { security: [] };

export const pathParam = (name: string, description: string, schema: JsonSchema = { type: 'string' }) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});

export function body(name: ComponentName, description: string) {
  return { required: true, description, content: json(ref(name)) };
}
