// The public face of the simulated Navien cloud: `startSimulator` for tests, the demo and the
// benchmarks, `runSimulatorCli` for `nwp500-bridge sim`, and the types they hand out.

export { runSimulatorCli, SIMULATOR_CLI_USAGE, SimulatorCliUsageError } from './cli.js';
export type { DisconnectReason, HandshakeRejectReason, SimCounters } from './counters.js';
export type { CommandOutcome, ReceivedCommand, SimDeviceOptions, SimLocation } from './device.js';
export { SimDevice } from './device.js';
export type { FaultControls, FaultState, JunkKind, MalformedKind } from './faults.js';
export { inboundTopics, JUNK_KINDS, MALFORMED_KINDS } from './faults.js';
export type { ConnectionInfo, KeepAliveLimits } from './mqttEndpoint.js';
export type { RestErrorStyle, SimAccount } from './rest.js';
export type { SimDeviceState, SimState, Simulator, SimulatorOptions } from './simulator.js';
export { DEFAULT_ACCOUNT, startSimulator } from './simulator.js';
export type { TokenLifetimes } from './tokens.js';
