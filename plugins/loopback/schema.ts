// JSON types of the loopback config: only the keys every plugin reads (the reference's
// types.NetConf). Unknown keys are allowed.
import type { JSONSchemaType } from 'ajv';
import { type CommonRaw, commonProperties } from '../../lib/cni/schema-parts';

export type Raw = CommonRaw;

export const schema: JSONSchemaType<Raw> = { type: 'object', required: [], properties: { ...commonProperties } };
