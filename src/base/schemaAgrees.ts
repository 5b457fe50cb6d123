import type { z } from 'zod';

/**
 * Compile-time: a zod schema and the engine's TypeScript type describe the same data, both ways —
 * every value of `T` is accepted (a field or variant the engine gains and the schema lacks is a type
 * error where this is used) and what the schema gives back is a `T`. Use it as
 * `const agrees: SchemaAgrees<typeof schema, T> = true;`.
 */
export type SchemaAgrees<Schema extends z.ZodType, T> = [T] extends [z.input<Schema>] ? ([z.output<Schema>] extends [T] ? true : never) : never;
