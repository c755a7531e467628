// One import for the entity table: every platform builder, its config type, and the device message.

export { type BinarySensorConfig, type BinarySensorInput, buildBinarySensor } from './binarySensor.js';
export { type ButtonConfig, type ButtonInput, buildButton } from './button.js';
export { DiscoveryConfigError, PLATFORMS, type Platform } from './common.js';
export {
  type Availability,
  buildDeviceDiscovery,
  type ComponentConfig,
  type ComponentRef,
  componentRefs,
  componentRemovalMessage,
  type DeviceDiscovery,
  type DeviceDiscoveryInput,
  type DeviceInfo,
  type Origin,
} from './device.js';
export { buildNumber, type NumberConfig, type NumberInput } from './number.js';
export { buildSelect, type SelectConfig, type SelectInput } from './select.js';
export { buildSensor, type SensorConfig, type SensorInput } from './sensor.js';
export { buildSwitch, type SwitchConfig, type SwitchInput } from './switch.js';
export {
  DEVICE_CLASS_STATE_CLASSES,
  DEVICE_CLASS_UNITS,
  type NumberDeviceClass,
  type SensorDeviceClass,
  type StateClass,
} from './units.js';
export { buildUpdate, type UpdateConfig, type UpdateInput } from './update.js';
export {
  buildWaterHeater,
  WATER_HEATER_MODES,
  type WaterHeaterConfig,
  type WaterHeaterInput,
  type WaterHeaterMode,
} from './waterHeater.js';
