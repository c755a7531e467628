// Every number the diagnostics decide with, each stated once: the analysis, the rates and the tests
// read them from here, and scripts/mutate-thresholds.mjs checks that moving any of them by ±30 % is
// caught by a test. (How many shuffles a test draws is precision, not a threshold: see nullTests.ts.)

// ---- what counts as what -------------------------------------------------------------------------

/** Drops closer than this are one episode (a storm), so a storm does not fake a burst of gaps. */
export const EPISODE_MERGE_MS = 60_000;
/** A session shorter than this was cut right after CONNACK. */
export const IMMEDIATE_SECONDS = 5;
/** Messages this soon after a (re)connect are the bridge's own requests and their echoes, not load. */
export const OWN_BURST_MS = 30_000;
/** A host event this close to an episode start counts as coinciding with it. */
export const SYSTEM_EVENT_WINDOW_MS = 120_000;
/** An error name behind at least this share of drops labels the history (server-initiated, …). */
export const ERROR_SHARE = 0.6;

// ---- how much data a statement needs (the minimums) -----------------------------------------------

/** Timing statistics need this many drop episodes (so one fewer gaps between them). */
export const MIN_EPISODES = 5;
/** Lifetime statistics need this many sessions of known length. */
export const MIN_LIFETIMES = 5;
/** High confidence needs at least this many episodes (or sessions). */
export const HIGH_CONFIDENCE_COUNT = 10;
/** "Random" (consistent with chance) is only highly confident with this many episodes. */
export const RANDOM_HIGH_COUNT = 30;
/** A rate (drops per day) is stated only after this many hours, never extrapolated from less; each
 * configuration epoch needs as much before rates are compared across epochs. */
export const MIN_RATE_HOURS = 6;
/** A day without drops (after at least this many hours) is "stable". */
export const STABLE_HOURS = 24;
/** Drops near host events: at least this many episodes must coincide. */
export const MIN_SYSTEM_MATCHES = 3;
/** A clock-time rhythm needs the drops to span this many of its periods. */
export const CLOCK_MIN_CYCLES = 3;
/** Refused reconnects since the last drop before the link counts as "failing to reconnect". */
export const FAILING_AFTER_REFUSALS = 3;

// ---- the decisions ---------------------------------------------------------------------------------

/** Every test that decides a verdict or a label is significant below this p. */
export const ALPHA = 0.01;
/** High confidence needs p below this (and HIGH_CONFIDENCE_COUNT). */
export const HIGH_CONFIDENCE_ALPHA = 0.002;
/** Half or more of the sessions cut within IMMEDIATE_SECONDS = immediate rejection. */
export const IMMEDIATE_FRACTION = 0.5;
/** Regular: the spread of the gaps (MAD/median) below this, and less than chance would give. */
export const REGULAR_MAD_RATIO = 0.15;
/** Fixed lifetime: the spread of session lifetimes (MAD/median) below this. */
export const FIXED_LIFETIME_MAD_RATIO = 0.05;
/** A lifetime within this fraction of a known timeout (24 h, 1.5 × keep-alive, a NAT timeout) is that timeout. */
export const LIFETIME_MATCH_TOLERANCE = 0.03;
/** Same clock time: the phases' mean resultant length at least this (besides the Rayleigh p). */
export const CLOCK_MIN_R = 0.5;
/** Load-correlated: the load before drops at least this many times the usual. */
export const LOAD_RATIO = 1.5;
/** A keep-alive A/B (configuration epochs) is judged on p below this. */
export const EPOCH_ALPHA = 0.05;
/** The cloud's clock this far from ours makes SigV4 fail (AWS allows 5 minutes). */
export const CLOCK_SKEW_LIMIT_S = 300;
/** Credentials younger than this are fresh: a refusal with them is not an expired-credential refusal. */
export const FRESH_CREDENTIALS_S = 1800;
