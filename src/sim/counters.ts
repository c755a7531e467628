// What the simulated cloud counts, so tests can check behaviour a real client cannot see directly
// ("no sign-in storm", "the handshake was refused for expired credentials", "200 commands arrived").

export type HandshakeRejectReason =
  | 'missing-credentials'
  | 'unknown-credentials'
  | 'expired-credentials'
  | 'bad-path'
  | 'bad-subprotocol'
  | 'refused';

export type DisconnectReason =
  | 'client-closed'
  | 'hangup'
  | 'reset'
  | 'kicked'
  | 'duplicate-client-id'
  | 'keepalive-timeout'
  | 'oversized-publish'
  | 'max-lifetime'
  | 'protocol-error'
  | 'blackholed'
  | 'shutdown';

export interface SimCounters {
  signIns: number;
  signInFailures: number;
  refreshes: number;
  refreshFailures: number;
  restRequests: number;
  /** REST calls answered with a non-200 envelope code. */
  restErrors: number;
  /** WebSocket upgrades completed. */
  connectionsAccepted: number;
  /** Upgrades answered with an HTTP error (403, 503, 400) instead of 101. */
  connectionsRefused: number;
  handshakesRejected: Record<HandshakeRejectReason, number>;
  disconnects: Record<DisconnectReason, number>;
  /** Requests that reached a device (whatever the outcome). */
  commandsReceived: number;
  repliesPublished: number;
  malformedRequests: number;
  requestsForUnknownDevices: number;
}

export function createCounters(): SimCounters {
  return {
    signIns: 0,
    signInFailures: 0,
    refreshes: 0,
    refreshFailures: 0,
    restRequests: 0,
    restErrors: 0,
    connectionsAccepted: 0,
    connectionsRefused: 0,
    handshakesRejected: {
      'missing-credentials': 0,
      'unknown-credentials': 0,
      'expired-credentials': 0,
      'bad-path': 0,
      'bad-subprotocol': 0,
      refused: 0,
    },
    disconnects: {
      'client-closed': 0,
      hangup: 0,
      reset: 0,
      kicked: 0,
      'duplicate-client-id': 0,
      'keepalive-timeout': 0,
      'oversized-publish': 0,
      'max-lifetime': 0,
      'protocol-error': 0,
      blackholed: 0,
      shutdown: 0,
    },
    commandsReceived: 0,
    repliesPublished: 0,
    malformedRequests: 0,
    requestsForUnknownDevices: 0,
  };
}

/** A copy that later counting does not change. */
export function snapshotCounters(counters: SimCounters): SimCounters {
  return {
    ...counters,
    handshakesRejected: { ...counters.handshakesRejected },
    disconnects: { ...counters.disconnects },
  };
}
