// Topic builders and parsing for the Navien cloud MQTT tree.

import { describe, expect, it } from 'vitest';
import {
  clientResponseFilter,
  clientResponseTopic,
  deviceResponseTopic,
  deviceTopic,
  deviceTopicFilter,
  eventTopic,
  eventTopicFilter,
  isTopicSegment,
  parseDeviceTopic,
  REQUEST_SUFFIX,
  RESPONSE_SUFFIX,
} from '../../src/device/topics.js';

const MAC = '04786332fca0';
const CLIENT = 'navien-client-1a2b3c4d';

describe('topic builders', () => {
  it('builds the device wildcard and the client response wildcard', () => {
    expect(deviceTopicFilter(MAC)).toBe('cmd/52/navilink-04786332fca0/#');
    expect(clientResponseFilter(CLIENT)).toBe('cmd/52/navien-client-1a2b3c4d/res/#');
    expect(eventTopicFilter(MAC)).toBe('evt/52/navilink-04786332fca0/#');
  });

  it('builds the publish topic of every request the bridge sends', () => {
    expect(deviceTopic(MAC, REQUEST_SUFFIX.status)).toBe('cmd/52/navilink-04786332fca0/st');
    expect(deviceTopic(MAC, REQUEST_SUFFIX.feature)).toBe('cmd/52/navilink-04786332fca0/st/did');
    expect(deviceTopic(MAC, REQUEST_SUFFIX.reservationRead)).toBe('cmd/52/navilink-04786332fca0/st/rsv/rd');
    expect(deviceTopic(MAC, REQUEST_SUFFIX.energyUsage)).toBe(
      'cmd/52/navilink-04786332fca0/st/energy-usage-daily-query/rd',
    );
    expect(deviceTopic(MAC, REQUEST_SUFFIX.control)).toBe('cmd/52/navilink-04786332fca0/ctrl');
  });

  it('builds the declared response topics', () => {
    expect(deviceResponseTopic(MAC, CLIENT)).toBe('cmd/52/navilink-04786332fca0/navien-client-1a2b3c4d/res');
    expect(clientResponseTopic(CLIENT, RESPONSE_SUFFIX.reservation)).toBe(
      'cmd/52/navien-client-1a2b3c4d/res/rsv/rd',
    );
    expect(clientResponseTopic(CLIENT, RESPONSE_SUFFIX.energyUsage)).toBe(
      'cmd/52/navien-client-1a2b3c4d/res/energy-usage-daily-query/rd',
    );
    expect(clientResponseTopic(CLIENT, RESPONSE_SUFFIX.tou)).toBe('cmd/52/navien-client-1a2b3c4d/res/tou/rd');
  });

  it('builds the app-connection event topic and honours another device type', () => {
    expect(eventTopic(MAC, 'app-connection')).toBe('evt/52/navilink-04786332fca0/app-connection');
    expect(deviceTopicFilter(MAC, 50)).toBe('cmd/50/navilink-04786332fca0/#');
  });
});

describe('parseDeviceTopic', () => {
  it('splits a device topic into type, MAC and the rest', () => {
    expect(parseDeviceTopic('cmd/52/navilink-04786332fca0/st')).toEqual({
      deviceType: 52,
      mac: MAC,
      rest: 'st',
    });
    expect(parseDeviceTopic(`cmd/52/navilink-${MAC}/${CLIENT}/res`)).toEqual({
      deviceType: 52,
      mac: MAC,
      rest: `${CLIENT}/res`,
    });
  });

  it('returns undefined for topics outside the device tree', () => {
    expect(parseDeviceTopic(`cmd/52/${CLIENT}/res/rsv/rd`)).toBeUndefined();
    expect(parseDeviceTopic('evt/52/navilink-04786332fca0/app-connection')).toBeUndefined();
    expect(parseDeviceTopic('cmd/52/navilink-04786332fca0')).toBeUndefined();
  });
});

describe('isTopicSegment', () => {
  it('accepts MACs and client ids and refuses slashes, wildcards, NUL and empty text', () => {
    expect(isTopicSegment(MAC)).toBe(true);
    expect(isTopicSegment(CLIENT)).toBe(true);
    for (const bad of ['', 'a/b', 'a+b', '#', 'a\0b']) expect(isTopicSegment(bad)).toBe(false);
  });
});
