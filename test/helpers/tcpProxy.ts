// Moved to testkit/ (shared with the soak runner); kept so existing imports keep working.
export * from '../../testkit/tcpProxy.js';
