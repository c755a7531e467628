// Device discovery over REST: every device on the account, and its firmware, read leniently.

import { z } from 'zod';
import type { Logger } from '../util/logger.js';
import type { Redactor } from '../util/redact.js';
import type { NavienAuth } from './auth.js';

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

const deviceInfoSchema = z.object({
  macAddress: z
    .string()
    .transform((m) => m.toLowerCase().replace(/[^0-9a-f]/g, ''))
    .pipe(z.string().regex(/^[0-9a-f]{12}$/)),
  additionalValue: z.union([z.string(), z.number().transform(String)]).default(''),
  deviceType: z.number().int().default(52),
  deviceName: z.string().default('NWP500'),
  connected: z.number().int().nullable().default(null),
  homeSeq: z.number().int().nullable().default(null),
  installType: z.string().nullable().default(null),
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

export class NavienApi {
  constructor(
    private readonly auth: NavienAuth,
    private readonly log: Logger,
    private readonly redactor: Redactor,
  ) {}

  /** Every device on the account (the API pages by 20). Entries that cannot be read are logged and skipped. */
  async listDevices(): Promise<CloudDevice[]> {
    const devices: CloudDevice[] = [];
    for (let offset = 0; offset < 1000; offset += PAGE) {
      const data = await this.auth.call('/device/list', { offset, count: PAGE, userId: this.auth.userId() });
      const entries = Array.isArray(data) ? data : [];
      for (const entry of entries) {
        const outer = listEntrySchema.safeParse(entry);
        const info = deviceInfoSchema.safeParse(outer.success ? outer.data.deviceInfo : undefined);
        if (!info.success) {
          this.log.warn(
            { problems: info.error.issues.map((i) => i.path.join('.')) },
            'skipped a device entry that cannot be read',
          );
          continue;
        }
        this.redactor.addDeviceId(info.data.macAddress);
        devices.push(info.data);
      }
      if (entries.length < PAGE) break;
    }
    return devices;
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
}
