import type { z } from "zod";

/** The zod def fields this module reads (zod 4 keeps a schema's kind in `_zod.def.type`). */
interface SchemaDef {
  readonly type: string;
  readonly innerType?: ZodLike;
  readonly shape?: Record<string, ZodLike>;
}
type ZodLike = { readonly _zod: { readonly def: SchemaDef } };

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch"]);

/** The schema inside `.optional()`, `.default()`, `.nullable()`… */
function unwrap(schema: ZodLike): ZodLike {
  let current = schema;
  while (WRAPPERS.has(current._zod.def.type) && current._zod.def.innerType) {
    current = current._zod.def.innerType;
  }
  return current;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Query and path parameters arrive as text; a field the input schema types
 * as a number or a boolean gets the value it spells (`?limit=5` is 5), and
 * anything else is left as text for the schema to refuse with its own
 * message. Only the REST routes do this: the schemas themselves are not
 * changed, so the tRPC routes still take JSON numbers only.
 */
export function coerceParameters(
  schema: z.ZodType | undefined,
  parameters: Record<string, unknown>,
): Record<string, unknown> {
  const shape = schema ? unwrap(schema as unknown as ZodLike)._zod.def.shape : undefined;
  if (!shape) return parameters;
  const coerced: Record<string, unknown> = { ...parameters };
  for (const [key, value] of Object.entries(parameters)) {
    // Own fields only: a parameter named "constructor" or "__proto__" is not a field.
    if (!Object.hasOwn(shape, key) || typeof value !== "string") continue;
    const type = unwrap(shape[key] as ZodLike)._zod.def.type;
    if (type === "number" && DECIMAL.test(value)) coerced[key] = Number(value);
    else if (type === "boolean" && (value === "true" || value === "false"))
      coerced[key] = value === "true";
  }
  return coerced;
}
