// Type of the module build/gen-validators.mjs writes next to this file.
import type { SchemaName } from '../cni/schemas';

export interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
export type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
declare const validators: Record<SchemaName, Validator>;
export = validators;
