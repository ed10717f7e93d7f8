import { createRequire } from 'node:module';

/** The parts of an OpenAPI 3.1 document the checker reads (a `createDocument` result, or the served JSON). */
export interface CheckableDocument {
  paths?: { [path: string]: object | undefined } | undefined;
  components?: { schemas?: { [name: string]: unknown } | undefined } | undefined;
}

/** One response as a test saw it. */
export interface ObservedResponse {
  method: string;
  /** The request's path (a query string is ignored). */
  path: string;
  status: number;
  /** The Content-Type header, if any. */
  contentType: string | null;
  /** The raw body text. */
  body: string;
}

/** What the checker found: the route is not in the document, or it is and these are the ways the response differs. */
export type CheckResult = { documented: false } | { documented: true; route: string; errors: string[] };

interface Validate {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}
interface AjvLike {
  compile(schema: unknown): Validate;
}

// The root `ajv` is eslint's v6; ajv 8 (with its JSON Schema 2020-12 class) comes with the OpenAPI schema validator,
// a root dev dependency, so it is loaded from there. Test support only: nothing in the running service loads this.
const requireFromValidator = createRequire(createRequire(import.meta.url).resolve('@seriousme/openapi-schema-validator'));
const { Ajv2020 } = requireFromValidator('ajv/dist/2020.js') as { Ajv2020: new (options: Record<string, unknown>) => AjvLike };
const addFormats = (requireFromValidator('ajv-formats') as { default: (ajv: AjvLike) => void }).default;

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** A path template as a matcher; literal segments rank above parameters, so `/alerts/stalled` wins over `/alerts/{alertId}`. */
export function templateMatcher(template: string): { test(path: string): boolean; params: number } {
  const pattern = template
    .split('/')
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  const regex = new RegExp(`^${pattern}$`);
  return { test: (path) => regex.test(path), params: (template.match(/\{[^}]+\}/g) ?? []).length };
}

/** `#/components/schemas/X` → `#/$defs/X`, so a response schema compiles on its own with the components as `$defs`. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', '#/$defs/') : rebase(value)]),
  );
}

/**
 * A checker of responses against an OpenAPI 3.1 document: finds the operation by method and path template, the
 * response by status, the media type by Content-Type, and validates the JSON body with ajv (JSON Schema 2020-12).
 * An empty body is accepted for a documented status (nothing to validate); any other body must be documented.
 */
export function responseChecker(document: CheckableDocument): (response: ObservedResponse) => CheckResult {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const defs = rebase(document.components?.schemas ?? {});
  const compiled = new Map<string, Validate>();
  const validatorOf = (key: string, schema: unknown): Validate => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile({ ...(rebase(schema) as object), $defs: defs });
      compiled.set(key, validate);
    }
    return validate;
  };
  const routes = Object.entries(document.paths ?? {})
    .map(([template, item]) => ({ template, item: (item ?? {}) as Record<string, unknown>, match: templateMatcher(template) }))
    .sort((a, b) => a.match.params - b.match.params);

  return (response) => {
    const path = response.path.split('?')[0] ?? '';
    const method = response.method.toLowerCase();
    const route = routes.find((r) => r.match.test(path) && METHODS.has(method) && r.item[method] !== undefined);
    if (!route) return { documented: false };
    const name = `${method.toUpperCase()} ${route.template}`;
    const operation = route.item[method] as { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };
    const responses = operation.responses ?? {};
    const status = String(response.status);
    const documented = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
    if (!documented) return { documented: true, route: name, errors: [`${name}: status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`] };
    if (response.body === '') return { documented: true, route: name, errors: [] };
    const mediaType = (response.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const media = documented.content?.[mediaType];
    if (!media) {
      return { documented: true, route: name, errors: [`${name} ${status}: content type ${mediaType || '(none)'} is not documented (documented: ${Object.keys(documented.content ?? {}).join(', ') || 'no body'})`] };
    }
    let data: unknown;
    try {
      data = JSON.parse(response.body);
    } catch {
      return { documented: true, route: name, errors: [`${name} ${status}: the body is not JSON`] };
    }
    const validate = validatorOf(`${name} ${status} ${mediaType}`, media.schema ?? {});
    if (validate(data)) return { documented: true, route: name, errors: [] };
    return { documented: true, route: name, errors: (validate.errors ?? []).map((e) => `${name} ${status}: ${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`) };
  };
}
