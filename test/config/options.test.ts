import { describe, expect, it } from 'vitest';
import { accountProblems, loadOptions } from '../../src/config/options.js';

const files = (content: Record<string, string>) => async (path: string) => content[path];

async function load(env: NodeJS.ProcessEnv, fileContent?: unknown) {
  const text = fileContent === undefined ? undefined : JSON.stringify(fileContent);
  return loadOptions({ env, readText: files(text === undefined ? {} : { '/data/options.json': text }) });
}

describe('options', () => {
  it('fills every default of the DOCS.md options table when nothing is set', async () => {
    const result = await load({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.options).toEqual({
      discovery_prefix: 'homeassistant',
      base_topic: 'nwp500',
      keep_alive_secs: 60,
      initial_reconnect_delay: 0.5,
      max_reconnect_delay: 60,
      deep_reconnect_threshold: 5,
      max_reconnect_attempts: -1,
      enable_command_queue: true,
      max_queued_commands: 200,
      max_queued_command_age: 300,
      status_interval: 30,
      availability_grace_secs: 120,
      unhealthy_after_secs: 600,
      max_events_retained: 1000,
      diagnostics_export_interval: 300,
      diagnostics_file: 'nwp500_diagnostics.json',
      ha_config_dir: '/homeassistant',
      data_dir: '/data',
      http_port: 8099,
      log_level: 'info',
      navien_api_url: 'https://nlus.naviensmartcontrol.com/api/v2.1',
      navien_mqtt_url: 'wss://a1t30mldyslmuq-ats.iot.us-east-1.amazonaws.com:443/mqtt',
    });
    expect(accountProblems(result.options)).toEqual([
      'option email: is required (the e-mail address of your NaviLink account)',
      'option password: is required (the password of your NaviLink account)',
    ]);
  });

  it('reads /data/options.json and lets NWP500_* variables win', async () => {
    const result = await load(
      { NWP500_KEEP_ALIVE_SECS: '120', NWP500_ENABLE_COMMAND_QUEUE: 'false', NWP500_BASE_TOPIC: 'heater' },
      { email: 'owner@example.com', password: 'pw', keep_alive_secs: 90, mqtt_host: 'core-mosquitto' },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.options.keep_alive_secs).toBe(120);
    expect(result.options.enable_command_queue).toBe(false);
    expect(result.options.base_topic).toBe('heater');
    expect(result.options.mqtt_host).toBe('core-mosquitto');
    expect(result.options.email).toBe('owner@example.com');
    expect(accountProblems(result.options)).toEqual([]);
  });

  it('accepts NAVIEN_EMAIL and NAVIEN_PASSWORD, and NWP500_OPTIONS as the file path', async () => {
    const result = await loadOptions({
      env: { NAVIEN_EMAIL: 'a@b.co', NAVIEN_PASSWORD: 'secret', NWP500_OPTIONS: '/tmp/x.json' },
      readText: files({ '/tmp/x.json': JSON.stringify({ status_interval: 10 }) }),
    });
    expect(result.ok && result.options).toMatchObject({
      email: 'a@b.co',
      password: 'secret',
      status_interval: 10,
    });
  });

  it('treats empty strings as unset, as the Supervisor writes cleared optional fields', async () => {
    const result = await load({}, { mqtt_host: '', mqtt_port: '', mqtt_password: '' });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.options.mqtt_host).toBeUndefined();
  });

  it.each([
    ['keep_alive_secs', 10, 'option keep_alive_secs: must be a whole number between 30 and 1200 (got 10)'],
    [
      'keep_alive_secs',
      'sixty',
      'option keep_alive_secs: must be a whole number between 30 and 1200 (got "sixty")',
    ],
    [
      'keep_alive_secs',
      61.5,
      'option keep_alive_secs: must be a whole number between 30 and 1200 (got 61.5)',
    ],
    ['status_interval', 4, 'option status_interval: must be a whole number between 5 and 3600 (got 4)'],
    ['mqtt_port', 70000, 'option mqtt_port: must be a whole number between 1 and 65535 (got 70000)'],
    ['mqtt_ssl', 'yes', 'option mqtt_ssl: must be true or false (got "yes")'],
    ['enable_command_queue', 1, 'option enable_command_queue: must be true or false (got 1)'],
    [
      'max_reconnect_attempts',
      0,
      'option max_reconnect_attempts: must be -1 (unlimited) or at least 1 (got 0)',
    ],
    [
      'deep_reconnect_threshold',
      0,
      'option deep_reconnect_threshold: must be a whole number between 1 and 100 (got 0)',
    ],
    [
      'max_queued_commands',
      0,
      'option max_queued_commands: must be a whole number between 1 and 10000 (got 0)',
    ],
    [
      'max_queued_command_age',
      0,
      'option max_queued_command_age: must be a number of seconds between 1 and 86400 (got 0)',
    ],
    [
      'initial_reconnect_delay',
      0,
      'option initial_reconnect_delay: must be a number of seconds between 0.1 and 600 (got 0)',
    ],
    [
      'max_events_retained',
      5,
      'option max_events_retained: must be a whole number between 10 and 100000 (got 5)',
    ],
    [
      'diagnostics_export_interval',
      5,
      'option diagnostics_export_interval: must be 0 (only on demand) or at least 10 seconds (got 5)',
    ],
    [
      'diagnostics_file',
      '../secrets.yaml',
      'option diagnostics_file: must be a plain file name (letters, digits, . _ -), without a directory (got "../secrets.yaml")',
    ],
    [
      'base_topic',
      'nwp/#',
      'option base_topic: base_topic must not contain spaces or the MQTT wildcards + and # (got "nwp/#")',
    ],
    [
      'discovery_prefix',
      '/ha',
      'option discovery_prefix: discovery_prefix must not start or end with / (got "/ha")',
    ],
    [
      'log_level',
      'verbose',
      'option log_level: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ],
    [
      'navien_api_url',
      'ftp://x',
      'option navien_api_url: must be an http:// or https:// URL (got "ftp://x")',
    ],
    [
      'navien_mqtt_url',
      'https://x/mqtt',
      'option navien_mqtt_url: must be a ws:// or wss:// URL (got "https://x/mqtt")',
    ],
    ['email', 'not-an-email', 'option email: must be the e-mail address of your NaviLink account'],
    ['http_port', -1, 'option http_port: must be a whole number between 0 and 65535 (got -1)'],
  ])('rejects %s = %j with one clear line', async (key, value, line) => {
    const result = await load({}, { [key]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([line]);
  });

  it('reads unhealthy_after_secs (1–86400 s) from the file or NWP500_UNHEALTHY_AFTER_SECS, with one clear line when bad', async () => {
    const fromFile = await load({}, { unhealthy_after_secs: 30 });
    expect(fromFile.ok && fromFile.options.unhealthy_after_secs).toBe(30);
    const fromEnv = await load({ NWP500_UNHEALTHY_AFTER_SECS: '900' }, { unhealthy_after_secs: 30 });
    expect(fromEnv.ok && fromEnv.options.unhealthy_after_secs).toBe(900);
    for (const [bad, shown] of [
      ['0', '0'],
      ['1.5', '1.5'],
      ['ten', '"ten"'],
      ['100000', '100000'],
    ]) {
      const result = await load({ NWP500_UNHEALTHY_AFTER_SECS: bad });
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.problems).toEqual([
          `option unhealthy_after_secs: must be a whole number between 1 and 86400 (got ${shown})`,
        ]);
    }
  });

  it('reads availability_grace_secs (0–3600 s) from the file or NWP500_AVAILABILITY_GRACE_SECS', async () => {
    const fromFile = await load({}, { availability_grace_secs: 0 });
    expect(fromFile.ok && fromFile.options.availability_grace_secs).toBe(0);
    const fromEnv = await load({ NWP500_AVAILABILITY_GRACE_SECS: '300' }, { availability_grace_secs: 60 });
    expect(fromEnv.ok && fromEnv.options.availability_grace_secs).toBe(300);
    for (const bad of ['-1', '3601', '1.5', 'soon']) {
      const result = await load({ NWP500_AVAILABILITY_GRACE_SECS: bad });
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.problems.join('\n')).toContain('availability_grace_secs');
    }
  });

  it('rejects a max_reconnect_delay smaller than initial_reconnect_delay', async () => {
    const result = await load({}, { initial_reconnect_delay: 30, max_reconnect_delay: 10 });
    expect(!result.ok && result.problems).toEqual([
      'option max_reconnect_delay: must not be smaller than initial_reconnect_delay (got 10)',
    ]);
  });

  it('reports one line per problem and never prints a password', async () => {
    const result = await load(
      { NWP500_STATUS_INTERVAL: 'often' },
      { password: 12345678, mqtt_password: ['hunter2-secret'], keep_alive_secs: 5 },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(4);
    const text = result.problems.join('\n');
    expect(text).toContain('option password: must be the password of your NaviLink account');
    expect(text).toContain('option mqtt_password: must be text');
    expect(text).not.toContain('12345678');
    expect(text).not.toContain('hunter2-secret');
  });

  it('reports a file that is not JSON, or not an object', async () => {
    const notJson = await loadOptions({ env: {}, readText: files({ '/data/options.json': '{email:' }) });
    expect(!notJson.ok && notJson.problems).toEqual(['options file /data/options.json: is not valid JSON']);
    const array = await loadOptions({ env: {}, readText: files({ '/data/options.json': '[1,2]' }) });
    expect(!array.ok && array.problems).toEqual([
      'options file /data/options.json: must contain a JSON object',
    ]);
  });

  it('warns about unknown keys without failing', async () => {
    const result = await load({}, { keep_alive: 60 });
    expect(result.ok && result.warnings).toEqual(['option keep_alive: unknown, ignored']);
  });

  it('resolves relative directories to absolute paths', async () => {
    const result = await load({ NWP500_DATA_DIR: 'state' });
    expect(result.ok && result.options.data_dir).toBe(`${process.cwd()}/state`);
  });
});
