// Under the Supervisor only HA's ingress proxy (172.30.32.2) and the container itself may talk to
// us; the socket's peer address decides, never a header a client can write (X-Forwarded-For).

import type { FastifyInstance } from 'fastify';
import type { Logger } from '../util/logger.js';
import { sendError } from './errors.js';

/** The Supervisor's address on the hassio network (ingress proxy and watchdog), and loopback. */
export const INGRESS_SOURCES: readonly string[] = ['172.30.32.2', '127.0.0.1', '::1'];

/** `::ffff:172.30.32.2` (an IPv4 peer on a dual-stack socket) is the same peer as `172.30.32.2`. */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return '';
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

export function isAllowedSource(address: string | undefined, allowed: readonly string[]): boolean {
  const peer = normaliseAddress(address);
  return peer !== '' && allowed.some((entry) => normaliseAddress(entry) === peer);
}

export function installSourceGuard(app: FastifyInstance, allowed: readonly string[], log: Logger): void {
  let refusedLogged = false;
  app.addHook('onRequest', async (request, reply) => {
    const peer = request.raw.socket.remoteAddress;
    if (isAllowedSource(peer, allowed)) return;
    // Logged once at warn (a misconfigured port mapping shows up in the log), then at debug.
    const line = 'refused an HTTP request from outside Home Assistant ingress';
    if (refusedLogged) log.debug({ peer }, line);
    else log.warn({ peer }, `${line} (only ingress may use this endpoint; further refusals at debug level)`);
    refusedLogged = true;
    return sendError(reply, 403, 'forbidden', 'Only Home Assistant ingress may use this endpoint.');
  });
}
