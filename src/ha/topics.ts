// The local MQTT topic contract of DESIGN.md in one place: builders for every topic the bridge
// publishes or listens to, device-id validation, the command-topic parser and MQTT filter matching.

/** A device id is its MAC address: 12 lowercase hex digits, no separators. */
export const DEVICE_ID_PATTERN = /^[0-9a-f]{12}$/;

/** Entity keys appear in command topics and unique ids. */
export const ENTITY_KEY_PATTERN = /^[a-z0-9_]+$/;

export const AVAILABILITY_ONLINE = 'online';
export const AVAILABILITY_OFFLINE = 'offline';

export function isDeviceId(value: string): boolean {
  return DEVICE_ID_PATTERN.test(value);
}

/** Throws for a programming mistake: a topic built for something that is not a device id. */
export function assertDeviceId(value: string): string {
  if (!isDeviceId(value)) {
    throw new Error(
      `not a device id (expected 12 lowercase hex digits, the MAC without separators): "${value}"`,
    );
  }
  return value;
}

function assertEntityKey(key: string): string {
  if (!ENTITY_KEY_PATTERN.test(key)) {
    throw new Error(`not an entity key (expected lowercase letters, digits and _): "${key}"`);
  }
  return key;
}

function assertTopicRoot(what: string, value: string): string {
  if (value.length === 0 || /[#+\s]/.test(value) || value.startsWith('/') || value.endsWith('/')) {
    throw new Error(
      `${what} must be a non-empty topic without wildcards, spaces or leading/trailing /: "${value}"`,
    );
  }
  return value;
}

export interface CommandTopic {
  deviceId: string;
  key: string;
}

export interface Topics {
  readonly baseTopic: string;
  readonly discoveryPrefix: string;
  /** `<b>/bridge/availability`: the bridge's LWT, retained `online`/`offline`. */
  readonly bridgeAvailability: string;
  /** `<b>/bridge/diagnostics`: retained JSON with connection metrics. */
  readonly bridgeDiagnostics: string;
  /** `<prefix>/status`: Home Assistant's birth and will messages. */
  readonly homeAssistantStatus: string;
  /** `<prefix>/device/nwp500_bridge/config`: the bridge's own device. */
  readonly bridgeDiscovery: string;
  /** `<b>/+/+/set`: every command topic of every device. */
  readonly commandFilter: string;
  deviceAvailability(deviceId: string): string;
  deviceState(deviceId: string): string;
  command(deviceId: string, entityKey: string): string;
  deviceDiscovery(deviceId: string): string;
  /** `{deviceId, key}` for a well-formed `<b>/<id>/<key>/set`, otherwise undefined (never throws). */
  parseCommandTopic(topic: string): CommandTopic | undefined;
}

export function topics(baseTopic: string, discoveryPrefix: string): Topics {
  const b = assertTopicRoot('base_topic', baseTopic);
  const prefix = assertTopicRoot('discovery_prefix', discoveryPrefix);
  return {
    baseTopic: b,
    discoveryPrefix: prefix,
    bridgeAvailability: `${b}/bridge/availability`,
    bridgeDiagnostics: `${b}/bridge/diagnostics`,
    homeAssistantStatus: `${prefix}/status`,
    bridgeDiscovery: `${prefix}/device/nwp500_bridge/config`,
    commandFilter: `${b}/+/+/set`,
    deviceAvailability: (id) => `${b}/${assertDeviceId(id)}/availability`,
    deviceState: (id) => `${b}/${assertDeviceId(id)}/state`,
    command: (id, key) => `${b}/${assertDeviceId(id)}/${assertEntityKey(key)}/set`,
    deviceDiscovery: (id) => `${prefix}/device/nwp500_${assertDeviceId(id)}/config`,
    parseCommandTopic: (topic) => parseCommandTopic(b, topic),
  };
}

/** Parses `<baseTopic>/<id>/<key>/set`; anything else (wrong root, bad id or key, extra levels) is undefined. */
export function parseCommandTopic(baseTopic: string, topic: string): CommandTopic | undefined {
  const root = `${baseTopic}/`;
  if (!topic.startsWith(root)) return undefined;
  const parts = topic.slice(root.length).split('/');
  if (parts.length !== 3 || parts[2] !== 'set') return undefined;
  const [deviceId, key] = parts;
  if (deviceId === undefined || key === undefined) return undefined;
  if (!DEVICE_ID_PATTERN.test(deviceId) || !ENTITY_KEY_PATTERN.test(key)) return undefined;
  return { deviceId, key };
}

/** MQTT filter matching (`+` one level, `#` the rest); `$`-topics only match filters that name them. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
