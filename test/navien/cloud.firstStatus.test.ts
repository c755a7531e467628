// A heater's requests wait for the subscription their answer comes on. When the link connects
// before the device list is read (or a heater joins the account later), a status request sent
// before the heater's SUBACK is answered to no one, and the heater showed only at the next poll
// (half a minute by default). Seen in the bench as a first state 30 s late in some starts.

import { afterEach, describe, expect, it } from 'vitest';
import { CommandCode } from '../../src/device/commandCodes.js';
import { crtTransportFactory } from '../../src/navien/crtConnection.js';
import type { TransportFactory } from '../../src/navien/transport.js';
import { type CloudStack, startStack, waitFor } from '../helpers/cloudStack.js';

const MAC = '04786332fca0';
/** Far beyond the test: a status that arrives came from a request, not from a poll. */
const NO_POLL_MS = 600_000;
const LIST_INTERVAL_MS = 4_000;
const SUBSCRIBE_DELAY_MS = 400;

let stack: CloudStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** The real aws-crt transport, each SUBSCRIBE sent this late: the SUBACK of a slow path. */
function slowSubscribes(delayMs: number): TransportFactory {
  return (options, handlers) => {
    const real = crtTransportFactory(options, handlers);
    return {
      connect: () => real.connect(),
      subscribe: (filter) =>
        new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => real.subscribe(filter)),
      publish: (topic, payload) => real.publish(topic, payload),
      close: () => real.close(),
      abandon: () => real.abandon(),
    };
  };
}

describe('the first status of a heater listed while the link is up', () => {
  it('is asked for once its topics are subscribed, and arrives then, not at a later request', async () => {
    stack = await startStack({
      sim: { devices: [{ macAddress: MAC }] },
      statusIntervalMs: NO_POLL_MS,
      // Each device-list read asks every heater again: far enough apart to tell the first request's
      // answer from the next read's.
      cloud: { deviceListIntervalMs: LIST_INTERVAL_MS },
      link: { transportFactory: slowSubscribes(SUBSCRIBE_DELAY_MS) },
    });
    const s = stack;
    s.sim.deviceList.answer = 'empty';
    s.start();
    await waitFor('connected with no heater', () => s.link.isConnected(), 10_000);
    expect(s.cloud.devices()).toEqual([]);
    s.sim.deviceList.reset();
    await waitFor('the heater listed', () => s.cloud.devices().length === 1, LIST_INTERVAL_MS + 2_000);
    const listedAt = Date.now();
    await waitFor(
      'its first status',
      () => s.statuses.some((status) => status.mac === MAC),
      LIST_INTERVAL_MS * 2,
    );
    await waitFor('its feature', () => s.cloud.device(MAC)?.feature != null, 5_000);
    const firstHeardAt = Math.min(
      ...s.statuses.filter((status) => status.mac === MAC).map((status) => status.at),
    );
    // Heard once the subscription was live, well before the next read would have asked again.
    expect(firstHeardAt - listedAt).toBeLessThan(LIST_INTERVAL_MS / 2);
    // And from the one request sent: none went out before the SUBACK to be answered to no one.
    const askedBefore = (code: number) =>
      s.sim
        .device(MAC)
        ?.receivedCommands()
        .filter((c) => c.command === code && c.receivedAtMs <= firstHeardAt).length;
    expect(askedBefore(CommandCode.STATUS_REQUEST)).toBe(1);
  }, 30_000);

  it('subscribes the reply topic of reservation and energy queries before the heater, so one can go out with the first status', async () => {
    stack = await startStack({ sim: { devices: [{ macAddress: MAC }] }, statusIntervalMs: NO_POLL_MS });
    const s = stack;
    s.start();
    await waitFor('its first status', () => s.statuses.length > 0, 10_000);
    // The reservation and energy replies come on the client's own topic, subscribed before the
    // heater's: by the first status it is live, so a read is sent.
    let answered = false;
    s.cloud.events.on('reservations', (mac) => {
      if (mac === MAC) answered = true;
    });
    expect(s.cloud.requestReservations(MAC)).toBe(true);
    await waitFor('the list read answered', () => answered, 5_000);
  });
});
