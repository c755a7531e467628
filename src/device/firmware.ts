// Firmware versions of an NWP500 as people read them: the raw integers of the feature payload and
// of `/device/firmware/info` decoded byte by byte (184614912 = 0x0B010000 → "11.1.0.0"), and the
// REST firmware list read leniently into one entry per part.

import { z } from 'zod';

/** `curSwCode` / OTA `swCode` → the part it names (1 controller, 2 panel, 4 Wi-Fi module). */
export const FIRMWARE_PARTS: ReadonlyMap<number, string> = new Map([
  [1, 'controller'],
  [2, 'panel'],
  [4, 'Wi-Fi'],
]);

/**
 * No public source shows the Navien app's own rendering, so the version is shown as its four bytes,
 * most significant first. A value that is not a 32-bit unsigned integer is shown as given.
 */
export function formatFirmwareVersion(raw: number): string {
  if (!Number.isInteger(raw) || raw < 0 || raw > 0xffffffff) return String(raw);
  return [24, 16, 8, 0].map((shift) => Math.floor(raw / 2 ** shift) % 256).join('.');
}

export interface FirmwarePart {
  /** `curSwCode`. */
  code: number;
  /** `controller`, `panel`, `Wi-Fi`, or `part <code>` for one this table does not know. */
  name: string;
  installed: string;
  installedRaw: number;
  /** Downloaded by the unit but not installed yet; null when nothing waits. */
  downloaded: string | null;
  downloadedRaw: number | null;
}

const entrySchema = z.looseObject({
  curSwCode: z.number().int(),
  curVersion: z.number().int(),
  downloadedVersion: z.number().int().nullable().optional(),
});

/** The parts of a `/device/firmware/info` answer, sorted by code; unreadable entries are left out. */
export function decodeFirmwareList(firmwares: readonly unknown[]): FirmwarePart[] {
  const parts: FirmwarePart[] = [];
  for (const item of firmwares) {
    const parsed = entrySchema.safeParse(item);
    if (!parsed.success) continue;
    const { curSwCode: code, curVersion, downloadedVersion } = parsed.data;
    // A "downloaded" version equal to the installed one (or 0) is nothing waiting.
    const pending =
      downloadedVersion !== undefined &&
      downloadedVersion !== null &&
      downloadedVersion !== 0 &&
      downloadedVersion !== curVersion
        ? downloadedVersion
        : null;
    parts.push({
      code,
      name: FIRMWARE_PARTS.get(code) ?? `part ${code}`,
      installed: formatFirmwareVersion(curVersion),
      installedRaw: curVersion,
      downloaded: pending === null ? null : formatFirmwareVersion(pending),
      downloadedRaw: pending,
    });
  }
  return parts.sort((a, b) => a.code - b.code);
}
