// Turns an entity table into HA discovery components with the part-1 builders (one JSON state topic
// per device, a template per entity, command topics under the base topic), and assembles the
// device-based message of a water heater.

import type { DeviceFeature } from '../device/feature.js';
import {
  buildBinarySensor,
  buildButton,
  buildDeviceDiscovery,
  buildNumber,
  buildSensor,
  buildSwitch,
  buildWaterHeater,
  type ComponentConfig,
  type DeviceDiscovery,
  type DeviceInfo,
  type Origin,
} from './discovery/index.js';
import { type EntityDef, entitiesFor, unitOf } from './entityModel.js';
import type { DeviceSnapshot } from './snapshot.js';
import type { Topics } from './topics.js';

/** The bridge device every water heater talks through (`via_device`). */
export const BRIDGE_DEVICE_ID = 'nwp500_bridge';

export interface ComponentTopics {
  /** Prefix of every unique_id: `<prefix>_<key>`. */
  uniqueIdPrefix: string;
  /** The JSON state topic (also the device message's root `state_topic`). */
  state: string;
  /** `<b>/<id>/<key>/set`; unused by tables without controls. */
  command: (key: string) => string;
}

function template(key: string): string {
  return `{{ value_json.${key} }}`;
}

function common<C extends 'diagnostic' | 'config'>(
  def: { key: string; name: string | null; enabled: boolean; category?: C; icon?: string },
  topics: ComponentTopics,
) {
  return {
    unique_id: `${topics.uniqueIdPrefix}_${def.key}`,
    name: def.name,
    ...(def.category === undefined ? {} : { entity_category: def.category }),
    // true is HA's default; saying it for every entity only makes the message longer.
    ...(def.enabled ? {} : { enabled_by_default: false }),
    ...(def.icon === undefined ? {} : { icon: def.icon }),
  };
}

/** One validated component for one table row; throws DiscoveryConfigError for a table mistake. */
export function componentFor<S>(def: EntityDef<S>, s: S, topics: ComponentTopics): ComponentConfig {
  switch (def.platform) {
    case 'sensor': {
      const unit = unitOf(def.unit, s);
      return buildSensor({
        ...common(def, topics),
        value_template: template(def.key),
        ...(def.deviceClass === undefined ? {} : { device_class: def.deviceClass }),
        ...(def.stateClass === undefined ? {} : { state_class: def.stateClass }),
        ...(unit === undefined ? {} : { unit_of_measurement: unit }),
        ...(def.precision === undefined ? {} : { suggested_display_precision: def.precision }),
        ...(def.options === undefined ? {} : { options: [...def.options] }),
        ...(def.attributes === undefined
          ? {}
          : {
              json_attributes_topic: topics.state,
              json_attributes_template: `{{ value_json.${def.key}_attributes | tojson }}`,
            }),
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
}

/** `sw_version` from the firmware the feature reports (raw integers, as the vendor app shows them). */
export function firmwareText(feature: DeviceFeature | null): string | undefined {
  if (!feature) return undefined;
  const parts: string[] = [];
  if (feature.controllerSwVersion !== null) parts.push(`controller ${feature.controllerSwVersion}`);
  if (feature.panelSwVersion !== null) parts.push(`panel ${feature.panelSwVersion}`);
  if (feature.wifiSwVersion !== null) parts.push(`Wi-Fi ${feature.wifiSwVersion}`);
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
    via_device: BRIDGE_DEVICE_ID,
  };
  if (feature?.modelTypeName) info.model_id = feature.modelTypeName;
  // The serial is personal data, but the local broker is the user's own (DESIGN.md).
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
      state,
      command: (key) => topics.command(identity.deviceId, key),
    }),
  });
}
