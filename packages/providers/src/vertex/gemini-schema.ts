/**
 * OpenAI tool `parameters` (JSON Schema) → Vertex `Schema` (an OpenAPI 3.0 subset, a protobuf
 * message: unknown keys are a 400 "Unknown name"). Kept: the keys Vertex's `Schema` has; `type`
 * upper-cased (`string` → `STRING`); `type: [T, "null"]` → `type: T` + `nullable: true`;
 * `const` → a one-value `enum`; `$ref` / `$defs` → `ref` / `defs`. Vertex takes `enum` on STRING
 * only ("enum: only allowed for STRING type"): an enum of strings without a `type` gets
 * `type: STRING`; on any other type (`integer`, `number`, `boolean`) the enum is dropped and its
 * values are appended to the `description` ("Allowed values: 1, 5, 10."), so the argument keeps
 * its type. Dropped (with their values):
 * every other key (`$schema`, `additionalProperties: false`-style keywords Vertex v1 lacks,
 * `strict`, `examples`, vendor `x-…` keys…).
 */

const SCHEMA_KEYS: ReadonlySet<string> = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'default', 'items', 'minItems', 'maxItems', 'enum',
  'properties', 'propertyOrdering', 'required', 'minProperties', 'maxProperties', 'minimum', 'maximum',
  'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'additionalProperties', 'ref', 'defs',
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Converts one JSON Schema node (recursively). Non-objects are returned as they are. */
export function toGeminiSchema(node: unknown): unknown {
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  let enumValues: unknown[] | undefined;
  for (const [rawKey, value] of Object.entries(node)) {
    const key = rawKey === '$ref' ? 'ref' : rawKey === '$defs' ? 'defs' : rawKey;
    if (key === 'const') {
      enumValues = [value];
      continue;
    }
    if (!SCHEMA_KEYS.has(key)) continue;
    switch (key) {
      case 'type':
        if (Array.isArray(value)) {
          const types = value.filter((t): t is string => typeof t === 'string');
          const nonNull = types.filter((t) => t !== 'null');
          if (nonNull.length < types.length) out.nullable = true;
          if (nonNull.length === 1 && nonNull[0] !== undefined) out.type = nonNull[0].toUpperCase();
          else if (nonNull.length > 1) out.anyOf = nonNull.map((t) => ({ type: t.toUpperCase() }));
        } else if (typeof value === 'string') out.type = value.toUpperCase();
        break;
      case 'properties':
      case 'defs':
        if (isRecord(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toGeminiSchema(v)]));
        break;
      case 'items':
        out.items = toGeminiSchema(value);
        break;
      case 'anyOf':
        if (Array.isArray(value)) out.anyOf = value.map(toGeminiSchema);
        break;
      case 'additionalProperties':
        // Vertex takes a Schema or a bool; `false` is the default and keeps requests portable
        if (isRecord(value)) out.additionalProperties = toGeminiSchema(value);
        else if (value === true) out.additionalProperties = true;
        break;
      case 'enum':
        if (Array.isArray(value)) enumValues = value;
        break;
      case 'ref':
        if (typeof value === 'string') out.ref = value.replace('#/$defs/', '#/defs/');
        break;
      default:
        out[key] = value;
    }
  }
  if (enumValues !== undefined) stringEnum(out, enumValues);
  return out;
}

/** Puts `values` on a converted node as Vertex allows (see {@link toGeminiSchema}). */
function stringEnum(out: Record<string, unknown>, values: readonly unknown[]): void {
  if (out.type === undefined && values.every((v) => typeof v === 'string')) out.type = 'STRING';
  if (out.type === 'STRING') {
    out.enum = values.map(String);
    return;
  }
  const allowed = `Allowed values: ${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}.`;
  out.description = typeof out.description === 'string' && out.description !== '' ? `${out.description} ${allowed}` : allowed;
}
