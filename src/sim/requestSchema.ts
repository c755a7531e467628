// The shape of a request envelope published to a simulated device, checked with zod at the
// edge: anything that does not parse is logged and ignored, never answered, never a crash.

import { z } from 'zod';

const intParam = z.number().int().finite();

export const reservationEntrySchema = z.object({
  enable: z.number().int().min(1).max(2),
  week: z.number().int().min(0).max(255),
  hour: z.number().int().min(0).max(23),
  min: z.number().int().min(0).max(59),
  mode: z.number().int().min(1).max(6),
  param: z.number().int().min(0).max(255),
});

export const touPeriodSchema = z.looseObject({
  season: z.number().int().min(0).max(4095),
  week: z.number().int().min(0).max(255),
  startHour: z.number().int().min(0).max(23),
  startMinute: z.number().int().min(0).max(59),
  endHour: z.number().int().min(0).max(23),
  endMinute: z.number().int().min(0).max(59),
  priceMin: z.number().int(),
  priceMax: z.number().int(),
  decimalPoint: z.number().int().min(0).max(10),
});

export type TouPeriod = z.infer<typeof touPeriodSchema>;

export const deviceRequestSchema = z.looseObject({
  command: intParam,
  deviceType: intParam.optional(),
  macAddress: z.string(),
  additionalValue: z.string().optional(),
  mode: z.string().optional(),
  param: z.array(intParam).optional(),
  paramStr: z.string().optional(),
  month: z.array(intParam).optional(),
  year: intParam.optional(),
  reservationUse: intParam.optional(),
  reservation: z.unknown().optional(),
  controllerSerialNumber: z.string().optional(),
});

export type DeviceRequest = z.infer<typeof deviceRequestSchema>;

export const requestEnvelopeSchema = z.looseObject({
  clientID: z.string().optional(),
  sessionID: z.string().optional(),
  protocolVersion: z.number().optional(),
  request: deviceRequestSchema,
  requestTopic: z.string().optional(),
  responseTopic: z.string().optional(),
});

export type RequestEnvelope = z.infer<typeof requestEnvelopeSchema>;

export type ParsedEnvelope =
  | { ok: true; envelope: RequestEnvelope }
  | { ok: false; reason: 'not-json' | 'not-a-request' | 'invalid-request'; detail: string };

/**
 * Messages without a `request` key (e.g. other devices' replies on a shared wildcard) are not
 * requests at all; anything else that fails the schema is a malformed request.
 */
export function parseEnvelope(payload: Buffer): ParsedEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'not-json', detail: error instanceof Error ? error.message : String(error) };
  }
  if (typeof json !== 'object' || json === null || !('request' in json)) {
    return { ok: false, reason: 'not-a-request', detail: 'no request object' };
  }
  const parsed = requestEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: 'invalid-request', detail: z.prettifyError(parsed.error) };
  }
  return { ok: true, envelope: parsed.data };
}

/** A topic a reply may be published on: concrete (no wildcards), not a $SYS/$aws topic. */
export function isPublishableTopic(topic: string): boolean {
  return (
    topic.length > 0 &&
    topic.length <= 256 &&
    !/[+#]/.test(topic) &&
    !topic.includes('\u0000') &&
    !topic.startsWith('$')
  );
}
