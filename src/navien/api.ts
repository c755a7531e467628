// Device discovery over REST: every device on the account, its firmware and TOU plan, read leniently.

import { z } from 'zod';
import type { Logger } from '../util/logger.js';
import type { Redactor } from '../util/redact.js';
import type { NavienAuth } from './auth.js';
import { NavienError } from './errors.js';

/** What the bridge keeps of a device from `/device/list` (location is read and dropped: we never need it). */
export interface CloudDevice {
  macAddress: string;
  additionalValue: string;
  deviceType: number;
  deviceName: string;
  /** 2 = connected to the cloud, 1 = not, per the device list; other values kept raw. */
  connected: number | null;
  homeSeq: number | null;
  installType: string | null;
}

/**
 * The MAC, `additionalValue` and device type go into every topic and request, so they must be
 * right; the descriptive fields fall back to a default rather than make the whole list unusable.
 */
const deviceInfoSchema = z.object({
  macAddress: z
    .string()
    .regex(/^[0-9a-f]{2}(?:[:-]?[0-9a-f]{2}){5}$/i, 'not a MAC address')
    .transform((m) => m.toLowerCase().replace(/[:-]/g, '')),
  additionalValue: z.union([z.string(), z.number().transform(String)]).default(''),
  deviceType: z.number().int().default(52),
  deviceName: z.string().default('NWP500').catch('NWP500'),
  connected: z.number().int().nullable().default(null).catch(null),
  homeSeq: z.number().int().nullable().default(null).catch(null),
  installType: z.string().nullable().default(null).catch(null),
});

const listEntrySchema = z.object({ deviceInfo: z.unknown() }).loose();

const firmwareSchema = z.object({
  firmwares: z
    .array(
      z
        .object({
          curSwCode: z.number().int().optional(),
          curVersion: z.number().int().optional(),
          downloadedVersion: z.number().int().nullable().optional(),
          deviceGroup: z.string().nullable().optional(),
        })
        .loose(),
    )
    .default([]),
});

export type Firmware = z.infer<typeof firmwareSchema>['firmwares'][number];

const PAGE = 20;
/** No account has this many water heaters; an answer that pages on beyond it is not believed. */
const MAX_DEVICES = 1000;

function badDeviceList(problem: string): NavienError {
  return new NavienError('NAVIEN_BAD_DEVICE_LIST', `NaviLink device list unusable: ${problem}`, {
    retriable: true,
  });
}

export class NavienApi {
  constructor(
    private readonly auth: NavienAuth,
    private readonly log: Logger,
    private readonly redactor: Redactor,
  ) {}

  /**
   * Every device on the account (the API pages by 20). An answer that cannot be read whole (not a
   * list, an entry without a valid MAC) is an error, never a shorter list: a device missing from
   * the answer would look removed from the account.
   */
  async listDevices(): Promise<CloudDevice[]> {
    const devices: CloudDevice[] = [];
    for (let offset = 0; offset < MAX_DEVICES; offset += PAGE) {
      const data = await this.auth.call('/device/list', { offset, count: PAGE, userId: this.auth.userId() });
      if (!Array.isArray(data)) {
        throw badDeviceList(`data is ${data === null ? 'null' : typeof data}, not a list`);
      }
      for (const [index, entry] of data.entries()) {
        const outer = listEntrySchema.safeParse(entry);
        const info = deviceInfoSchema.safeParse(outer.success ? outer.data.deviceInfo : undefined);
        if (!info.success) {
          const problems = info.error.issues.map((i) => i.path.join('.') || '(entry)');
          throw badDeviceList(`entry ${offset + index} cannot be read (${problems.join(', ')})`);
        }
        this.redactor.addDeviceId(info.data.macAddress);
        devices.push(info.data);
      }
      if (data.length < PAGE) {
        this.log.debug({ devices: devices.length, pages: offset / PAGE + 1 }, 'device list read');
        return devices;
      }
    }
    throw badDeviceList(`more than ${MAX_DEVICES} devices`);
  }

  async firmware(device: CloudDevice): Promise<Firmware[]> {
    const data = await this.auth.call('/device/firmware/info', {
      macAddress: device.macAddress,
      additionalValue: device.additionalValue,
      userId: this.auth.userId(),
    });
    const parsed = firmwareSchema.safeParse(data);
    return parsed.success ? parsed.data.firmwares : [];
  }

  /** The TOU plan registered for the device (`GET /device/tou`), as sent: device/tou.ts reads it. */
  async touInfo(device: CloudDevice, controllerId: string): Promise<unknown> {
    return this.auth.call(
      '/device/tou',
      {
        additionalValue: device.additionalValue,
        controllerId,
        macAddress: device.macAddress,
        userId: this.auth.userId(),
        userType: 'O',
      },
      'GET',
    );
  }
}
