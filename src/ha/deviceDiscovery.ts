// Turns an entity table into HA discovery components with the part-1 builders (one JSON state topic
// per device, a template per entity, command topics under the base topic), and assembles the
// device-based message of a water heater.

import type { DeviceFeature } from '../device/feature.js';
import { formatFirmwareVersion } from '../device/firmware.js';
import {
  buildBinarySensor,
  buildButton,
  buildDeviceDiscovery,
  buildNumber,
  buildSelect,
  buildSensor,
  buildSwitch,
  buildUpdate,
  buildWaterHeater,
  type ComponentConfig,
  type DeviceDiscovery,
  type DeviceInfo,
  type Origin,
} from './discovery/index.js';
import { type EntityDef, entitiesFor, precisionOf, unitOf } from './entityModel.js';
import type { DeviceSnapshot } from './snapshot.js';
import type { Topics } from './topics.js';

export interface ComponentTopics {
  /** Prefix of every unique_id: `<prefix>_<key>`. */
  uniqueIdPrefix: string;
  /** Prefix of every default entity id: `<platform>.<prefix>_<key>`. */
  entityIdPrefix: string;
  /** The JSON state topic (also the device message's root `state_topic`). */
  state: string;
  /** Where the entities' JSON attributes are, and the key an entity's attributes have there. */
  attributes: { topic: string; key: (entityKey: string) => string };
  /** `<b>/<id>/<key>/set`; unused by tables without controls. */
  command: (key: string) => string;
}

function template(key: string): string {
  return `{{ value_json.${key} }}`;
}

function common<C extends 'diagnostic' | 'config'>(
  def: { platform: string; key: string; name: string | null; enabled: boolean; category?: C; icon?: string },
  topics: ComponentTopics,
) {
  return {
    unique_id: `${topics.uniqueIdPrefix}_${def.key}`,
    // HA takes it only when it first registers the entity, so ids stay what they were made.
    default_entity_id: `${def.platform}.${topics.entityIdPrefix}_${def.key}`,
    name: def.name,
    ...(def.category === undefined ? {} : { entity_category: def.category }),
    // true is HA's default; saying it for every entity only makes the message longer.
    ...(def.enabled ? {} : { enabled_by_default: false }),
    ...(def.icon === undefined ? {} : { icon: def.icon }),
  };
}

/** JSON attributes: one key of the JSON on the attributes topic. */
function attributesOf<S>(def: { key: string; attributes?: (s: S) => unknown }, topics: ComponentTopics) {
  return def.attributes === undefined
    ? {}
    : {
        json_attributes_topic: topics.attributes.topic,
        json_attributes_template: `{{ value_json.${topics.attributes.key(def.key)} | tojson }}`,
      };
}

/** One validated component for one table row; throws DiscoveryConfigError for a table mistake. */
export function componentFor<S>(def: EntityDef<S>, s: S, topics: ComponentTopics): ComponentConfig {
  switch (def.platform) {
    case 'sensor': {
      const unit = unitOf(def.unit, s);
      const precision = precisionOf(def.precision, s);
      return buildSensor({
        ...common(def, topics),
        value_template: template(def.key),
        ...(def.deviceClass === undefined ? {} : { device_class: def.deviceClass }),
        ...(def.stateClass === undefined ? {} : { state_class: def.stateClass }),
        ...(unit === undefined ? {} : { unit_of_measurement: unit }),
        ...(precision === undefined ? {} : { suggested_display_precision: precision }),
        ...(def.options === undefined ? {} : { options: [...def.options] }),
        ...attributesOf(def, topics),
      });
    }
    case 'binary_sensor':
      return buildBinarySensor({
        ...common(def, topics),
        value_template: template(def.key),
        ...(def.deviceClass === undefined ? {} : { device_class: def.deviceClass }),
        ...(def.attributesTopic === undefined ? {} : { json_attributes_topic: def.attributesTopic }),
      });
    case 'switch':
      return buildSwitch({
        ...common(def, topics),
        value_template: template(def.key),
        command_topic: topics.command(def.key),
      });
    case 'number': {
      const range = def.range(s);
      const unit = unitOf(def.unit, s);
      return buildNumber({
        ...common(def, topics),
        value_template: template(def.key),
        command_topic: topics.command(def.key),
        min: range.min,
        max: range.max,
        step: range.step,
        mode: 'box',
        ...(def.deviceClass === undefined ? {} : { device_class: def.deviceClass }),
        ...(unit === undefined ? {} : { unit_of_measurement: unit }),
      });
    }
    case 'button':
      return buildButton({
        ...common(def, topics),
        command_topic: topics.command(def.key),
        payload_press: 'PRESS',
      });
    case 'select':
      return buildSelect({
        ...common(def, topics),
        value_template: template(def.key),
        command_topic: topics.command(def.key),
        options: [...def.options(s)],
        ...attributesOf(def, topics),
      });
    case 'update':
      return buildUpdate({
        ...common(def, topics),
        // HA reads installed_version, latest_version, title and release_summary from this JSON.
        value_template: `{{ value_json.${def.key} | tojson }}`,
        ...(def.deviceClass === undefined ? {} : { device_class: def.deviceClass }),
        ...attributesOf(def, topics),
      });
    case 'water_heater': {
      const range = def.range(s);
      const unit = def.temperatureUnit(s);
      return buildWaterHeater({
        ...common(def, topics),
        modes: def.modes(s),
        mode_state_topic: topics.state,
        mode_state_template: template(def.modeKey),
        mode_command_topic: topics.command(def.modeKey),
        current_temperature_topic: topics.state,
        current_temperature_template: template(def.currentTemperatureKey),
        temperature_state_topic: topics.state,
        temperature_state_template: template(def.targetTemperatureKey),
        temperature_command_topic: topics.command(def.targetTemperatureKey),
        power_command_topic: topics.command(def.powerKey),
        min_temp: range.min,
        max_temp: range.max,
        precision: range.step === 0.5 ? 0.5 : 1,
        temperature_unit: unit,
      });
    }
  }
}

/** Components keyed by entity key, for the entities a device with this snapshot has. */
export function componentsFor<S>(
  table: readonly EntityDef<S>[],
  s: S,
  topics: ComponentTopics,
): Record<string, ComponentConfig> {
  const components: Record<string, ComponentConfig> = {};
  for (const def of entitiesFor(table, s)) components[def.key] = componentFor(def, s, topics);
  return components;
}

export interface WaterHeaterIdentity {
  deviceId: string;
  /** The cloud's `deviceName`. */
  name: string;
  /** `nwp500_<slug>`: the start of every default entity id of this heater (entitySlug.ts). */
  entityIdPrefix: string;
  /** The bridge device it talks through (`via_device`). */
  bridgeDeviceId: string;
}

/**
 * `sw_version` from the firmware the feature reports, each part decoded byte by byte
 * (`controller 11.1.0.0, panel 11.1.0.0, Wi-Fi 2.7.0.0`); the update entity keeps the raw integers.
 */
export function firmwareText(feature: DeviceFeature | null): string | undefined {
  if (!feature) return undefined;
  const parts: string[] = [];
  const add = (name: string, raw: number | null) => {
    if (raw !== null) parts.push(`${name} ${formatFirmwareVersion(raw)}`);
  };
  add('controller', feature.controllerSwVersion);
  add('panel', feature.panelSwVersion);
  add('Wi-Fi', feature.wifiSwVersion);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export function waterHeaterDeviceInfo(
  identity: WaterHeaterIdentity,
  feature: DeviceFeature | null,
): DeviceInfo {
  const info: DeviceInfo = {
    identifiers: [`nwp500_${identity.deviceId}`],
    name: identity.name,
    manufacturer: 'Navien',
    model: 'NWP500',
    via_device: identity.bridgeDeviceId,
  };
  if (feature?.modelTypeName) info.model_id = feature.modelTypeName;
  // The serial is personal data, but the local broker is the user's own (DOCS.md, Privacy).
  if (feature?.controllerSerialNumber) info.serial_number = feature.controllerSerialNumber;
  const firmware = firmwareText(feature);
  if (firmware) info.sw_version = firmware;
  if (feature?.tankGallons) info.hw_version = `${feature.tankGallons} gal tank`;
  return info;
}

/** The device-based discovery message of one water heater. */
export function buildWaterHeaterDiscovery(input: {
  table: readonly EntityDef<DeviceSnapshot>[];
  snapshot: DeviceSnapshot;
  identity: WaterHeaterIdentity;
  topics: Topics;
  origin: Origin;
}): DeviceDiscovery {
  const { table, snapshot, identity, topics, origin } = input;
  const state = topics.deviceState(identity.deviceId);
  return buildDeviceDiscovery({
    device: waterHeaterDeviceInfo(identity, snapshot.feature),
    origin,
    availability: [
      { topic: topics.bridgeAvailability },
      { topic: topics.deviceAvailability(identity.deviceId) },
    ],
    availabilityMode: 'all',
    stateTopic: state,
    components: componentsFor(table, snapshot, {
      uniqueIdPrefix: `nwp500_${identity.deviceId}`,
      entityIdPrefix: identity.entityIdPrefix,
      state,
      attributes: { topic: topics.deviceAttributes(identity.deviceId), key: (key) => key },
      command: (key) => topics.command(identity.deviceId, key),
    }),
  });
}
