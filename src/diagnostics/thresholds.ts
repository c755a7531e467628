// Every number the diagnostics decide with, each stated once: the analysis, the rates and the
// tests read them from here (scripts/mutate-thresholds.mjs checks that a change to any is noticed).

/** Drops closer than this are one episode (a storm), so a storm does not fake a burst of gaps. */
export const EPISODE_MERGE_MS = 60_000;
/** Below 5 drops or 4 gaps between episodes, timing statistics mean nothing: "collecting baseline". */
export const MIN_DROPS = 5;
export const MIN_GAPS = 4;
/** A session shorter than this was cut right after CONNACK; half of them so = immediate rejection. */
export const IMMEDIATE_SECONDS = 5;
/** MAD/median of session lifetimes below this = every connection dies at the same age. */
export const FIXED_LIFETIME_MAD_RATIO = 0.05;
/** Regular interval: CV of gaps below this and Rayleigh p at the median gap below RAYLEIGH_ALPHA. */
export const REGULAR_CV = 0.25;
export const RAYLEIGH_ALPHA = 0.01;
/** Bursty: Kim & Jo corrected burstiness above this, or CV above BURSTY_CV. */
export const BURSTY_CORRECTED_B = 0.2;
export const BURSTY_CV = 1.5;
/** Poisson-like (random) when the CV of gaps lies in this range. */
export const RANDOM_CV_MIN = 0.6;
export const RANDOM_CV_MAX = 1.4;
export const DAY_S = 86_400;
/** A rate (drops per day) is stated only after this many hours of observation, never extrapolated from less. */
export const MIN_RATE_HOURS = 6;
/** Messages this soon after a (re)connect are the bridge's own requests and their echoes, not load. */
export const OWN_BURST_MS = 30_000;
/** A host event this close to an episode start counts as coinciding with it. */
export const SYSTEM_EVENT_WINDOW_MS = 2 * 60_000;
/** Load correlation: shuffles of the permutation test, and its p and ratio thresholds. */
export const PERMUTATIONS = 5000;
export const LOAD_P = 0.01;
export const LOAD_RATIO = 1.5;
export const DEFAULT_SEED = 0x5eed;
/** Input bounds, so hostile or broken input cannot make the analysis slow or overflow. */
export const MAX_ITEMS = 100_000;
export const MAX_LOAD_BINS = 20_000;
export const MAX_HOURS = 10 * 365 * 24;
/** Idle timeouts of common NATs, routers and load balancers, seconds. */
export const NAT_TIMEOUTS_S = [300, 350, 600, 1800, 3600];
export const HALF_OPEN_ERRORS = new Set(['AWS_ERROR_MQTT_TIMEOUT', 'AWS_ERROR_MQTT5_PING_RESPONSE_TIMEOUT']);
export const UPGRADE_FAILURE = 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE';
export const HANGUP = 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP';
export const SOCKET_CLOSED = 'AWS_IO_SOCKET_CLOSED';
