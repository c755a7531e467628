// The local MQTT topic contract (docs/ARCHITECTURE.md, DOCS.md) in one place: builders for every topic the bridge
// publishes or listens to, device-id validation, the command-topic parser and MQTT filter matching.

/** A device id is its MAC address: 12 lowercase hex digits, no separators. */
export const DEVICE_ID_PATTERN = /^[0-9a-f]{12}$/;

/** Entity keys appear in command topics and unique ids. */
export const ENTITY_KEY_PATTERN = /^[a-z0-9_]+$/;

/** The per-install id in the bridge device's ids (NavienAuth.installId(): 8 hex digits). */
export const INSTALL_ID_PATTERN = /^[a-z0-9]{1,32}$/;

/** The key of the reservation command topic `<b>/<id>/reservations/set` (JSON, not an entity's payload). */
export const RESERVATIONS_KEY = 'reservations';

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

/** The bridge device's id in HA: `nwp500_bridge_<install>`, so two add-on instances never share one. */
export function bridgeDeviceId(installId: string): string {
  if (!INSTALL_ID_PATTERN.test(installId)) {
    throw new Error(`not an install id (expected 1–32 lowercase letters or digits): "${installId}"`);
  }
  return `nwp500_bridge_${installId}`;
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
  /** `nwp500_bridge_<install>`: the bridge's own device id (identifier, unique id prefix). */
  readonly bridgeDeviceId: string;
  /** `<prefix>/device/nwp500_bridge_<install>/config`: the bridge's own device. */
  readonly bridgeDiscovery: string;
  /** `<prefix>/device/nwp500_bridge/config`: where versions before 0.2.0 put the bridge device. */
  readonly legacyBridgeDiscovery: string;
  /** `<b>/+/+/set`: every command topic of every device. */
  readonly commandFilter: string;
  deviceAvailability(deviceId: string): string;
  deviceState(deviceId: string): string;
  /** `<b>/<id>/attributes`: retained JSON, the attributes of the device's entities by entity key. */
  deviceAttributes(deviceId: string): string;
  command(deviceId: string, entityKey: string): string;
  deviceDiscovery(deviceId: string): string;
  /** `<b>/bridge/<key>/set`: a control of the bridge device. */
  bridgeCommand(entityKey: string): string;
  /** `{deviceId, key}` for a well-formed `<b>/<id>/<key>/set`, otherwise undefined (never throws). */
  parseCommandTopic(topic: string): CommandTopic | undefined;
  /** The key of a well-formed `<b>/bridge/<key>/set`, otherwise undefined (never throws). */
  parseBridgeCommandTopic(topic: string): string | undefined;
}

export function topics(baseTopic: string, discoveryPrefix: string, installId: string): Topics {
  const b = assertTopicRoot('base_topic', baseTopic);
  const prefix = assertTopicRoot('discovery_prefix', discoveryPrefix);
  const bridgeId = bridgeDeviceId(installId);
  return {
    baseTopic: b,
    discoveryPrefix: prefix,
    bridgeAvailability: `${b}/bridge/availability`,
    bridgeDiagnostics: `${b}/bridge/diagnostics`,
    homeAssistantStatus: `${prefix}/status`,
    bridgeDeviceId: bridgeId,
    bridgeDiscovery: `${prefix}/device/${bridgeId}/config`,
    legacyBridgeDiscovery: `${prefix}/device/nwp500_bridge/config`,
    bridgeCommand: (key) => `${b}/bridge/${assertEntityKey(key)}/set`,
    parseBridgeCommandTopic: (topic) => parseBridgeCommandTopic(b, topic),
    commandFilter: `${b}/+/+/set`,
    deviceAvailability: (id) => `${b}/${assertDeviceId(id)}/availability`,
    deviceState: (id) => `${b}/${assertDeviceId(id)}/state`,
    deviceAttributes: (id) => `${b}/${assertDeviceId(id)}/attributes`,
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

/** Parses `<baseTopic>/bridge/<key>/set`; anything else is undefined. */
export function parseBridgeCommandTopic(baseTopic: string, topic: string): string | undefined {
  const root = `${baseTopic}/bridge/`;
  if (!topic.startsWith(root) || !topic.endsWith('/set')) return undefined;
  const key = topic.slice(root.length, -'/set'.length);
  return ENTITY_KEY_PATTERN.test(key) ? key : undefined;
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
