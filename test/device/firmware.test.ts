// Firmware versions decoded byte by byte (no public source shows the app's own format), and the
// REST firmware list read leniently.

import { describe, expect, it } from 'vitest';
import { decodeFirmwareList, formatFirmwareVersion } from '../../src/device/firmware.js';

describe('firmware versions', () => {
  it('shows the four bytes, most significant first: 184614912 = 0x0B010000 = 11.1.0.0', () => {
    expect(formatFirmwareVersion(184614912)).toBe('11.1.0.0');
    expect(formatFirmwareVersion(34013184)).toBe('2.7.0.0');
    expect(formatFirmwareVersion(0x01020304)).toBe('1.2.3.4');
    expect(formatFirmwareVersion(0xffffffff)).toBe('255.255.255.255');
    expect(formatFirmwareVersion(0)).toBe('0.0.0.0');
  });

  it('shows values that are not 32-bit unsigned integers as given', () => {
    expect(formatFirmwareVersion(-1)).toBe('-1');
    expect(formatFirmwareVersion(2 ** 32)).toBe('4294967296');
    expect(formatFirmwareVersion(1.5)).toBe('1.5');
  });

  it('reads the REST list into named parts, with firmware downloaded but not installed', () => {
    expect(
      decodeFirmwareList([
        { curSwCode: 4, curVersion: 34013184, downloadedVersion: 34078720, deviceGroup: 'NWP500' },
        { curSwCode: 1, curVersion: 184614912, downloadedVersion: null },
        { curSwCode: 2, curVersion: 184614912, downloadedVersion: 184614912 },
        { curSwCode: 9, curVersion: 1 },
        { curSwCode: 'x', curVersion: 1 },
        null,
      ]),
    ).toEqual([
      {
        code: 1,
        name: 'controller',
        installed: '11.1.0.0',
        installedRaw: 184614912,
        downloaded: null,
        downloadedRaw: null,
      },
      // A downloaded version equal to the installed one is nothing waiting.
      {
        code: 2,
        name: 'panel',
        installed: '11.1.0.0',
        installedRaw: 184614912,
        downloaded: null,
        downloadedRaw: null,
      },
      {
        code: 4,
        name: 'Wi-Fi',
        installed: '2.7.0.0',
        installedRaw: 34013184,
        downloaded: '2.8.0.0',
        downloadedRaw: 34078720,
      },
      {
        code: 9,
        name: 'part 9',
        installed: '0.0.0.1',
        installedRaw: 1,
        downloaded: null,
        downloadedRaw: null,
      },
    ]);
  });
});
