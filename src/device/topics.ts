// Navien cloud MQTT topic names for an NWP500: publish topics, the response topics a request declares, and the
// subscription filters, built in one place (mirrors the library's topic builder).

/** `deviceType` of the NWP500's Wi-Fi module (NPF700_WIFI). */
export const NWP500_DEVICE_TYPE = 52;

/** Suffixes after `cmd/<type>/navilink-<mac>/` for the requests the bridge sends. */
export const REQUEST_SUFFIX = {
  status: 'st',
  feature: 'st/did',
  reservationRead: 'st/rsv/rd',
  reservationWrite: 'ctrl/rsv/rd',
  energyUsage: 'st/energy-usage-daily-query/rd',
  control: 'ctrl',
} as const;

/** Suffixes after `cmd/<type>/<clientId>/res/` where client-keyed replies arrive. */
export const RESPONSE_SUFFIX = {
  reservation: 'rsv/rd',
  energyUsage: 'energy-usage-daily-query/rd',
  tou: 'tou/rd',
} as const;

/**
 * True when `segment` can sit between two slashes of a topic: non-empty, no `/`, no MQTT wildcards, no NUL.
 * MACs and client ids come from the cloud or from config, so they are checked before they reach a topic.
 */
export function isTopicSegment(segment: string): boolean {
  return segment.length > 0 && !/[/+#]/.test(segment) && !segment.includes('\0');
}

export function deviceSegment(mac: string): string {
  return `navilink-${mac}`;
}

/** `cmd/52/navilink-<mac>/<suffix>`: where requests for a device are published. */
export function deviceTopic(mac: string, suffix: string, deviceType = NWP500_DEVICE_TYPE): string {
  return `cmd/${deviceType}/${deviceSegment(mac)}/${suffix}`;
}

/** `cmd/52/navilink-<mac>/#`: status and feature replies (and the echoes of our own requests). */
export function deviceTopicFilter(mac: string, deviceType = NWP500_DEVICE_TYPE): string {
  return `cmd/${deviceType}/${deviceSegment(mac)}/#`;
}

/** `cmd/52/navilink-<mac>/<clientId>/res`: the responseTopic of status, feature and control requests. */
export function deviceResponseTopic(mac: string, clientId: string, deviceType = NWP500_DEVICE_TYPE): string {
  return `cmd/${deviceType}/${deviceSegment(mac)}/${clientId}/res`;
}

/** `cmd/52/<clientId>/res/<suffix>`: the responseTopic of reservation, TOU and energy requests. */
export function clientResponseTopic(
  clientId: string,
  suffix: string,
  deviceType = NWP500_DEVICE_TYPE,
): string {
  return `cmd/${deviceType}/${clientId}/res/${suffix}`;
}

/** `cmd/52/<clientId>/res/#`: every client-keyed reply (schedules, TOU, energy). */
export function clientResponseFilter(clientId: string, deviceType = NWP500_DEVICE_TYPE): string {
  return `cmd/${deviceType}/${clientId}/res/#`;
}

/** `evt/52/navilink-<mac>/<suffix>`: device events (e.g. `app-connection`). */
export function eventTopic(mac: string, suffix: string, deviceType = NWP500_DEVICE_TYPE): string {
  return `evt/${deviceType}/${deviceSegment(mac)}/${suffix}`;
}

/** `evt/52/navilink-<mac>/#`. */
export function eventTopicFilter(mac: string, deviceType = NWP500_DEVICE_TYPE): string {
  return `evt/${deviceType}/${deviceSegment(mac)}/#`;
}

export interface DeviceTopic {
  readonly deviceType: number;
  readonly mac: string;
  /** What follows `navilink-<mac>/`, e.g. `st`, `ctrl`, `<clientId>/res`. */
  readonly rest: string;
}

/** Splits `cmd/<type>/navilink-<mac>/<rest>`; undefined for any other topic. */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const match = /^cmd\/(\d+)\/navilink-([^/]+)\/(.+)$/.exec(topic);
  if (!match) return undefined;
  const [, type, mac, rest] = match;
  if (type === undefined || mac === undefined || rest === undefined) return undefined;
  return { deviceType: Number(type), mac, rest };
}
