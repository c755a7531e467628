// The baseline subject of `npm run bench`: a bare forwarder built from the same two client
// libraries as the bridge and nothing else. It signs in over REST, connects aws-crt to the cloud
// over a SigV4 WebSocket, subscribes to each heater's topics, asks once for a status (as the bridge
// does on connecting), and republishes every cloud message unchanged to the local broker with
// mqtt.js (`bench/forward/<cloud topic>`, QoS 1, retained — what the bridge does with its state),
// putting its last message per topic back after a local-broker reconnect. No parsing, no checks.
// Configured by one JSON environment variable, BENCH_FORWARDER (see bench/lib/subjects.js).

import { createRequire } from 'node:module';
import mqttJs from 'mqtt';

const require = createRequire(import.meta.url);
const { auth: crtAuth, io, iot, mqtt } = require('aws-iot-device-sdk-v2');

const config = JSON.parse(process.env.BENCH_FORWARDER ?? '{}');
const clientId = `bench-forwarder-${process.pid}`;

const signIn = await fetch(`${config.restUrl}/user/sign-in`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ userId: config.email, password: config.password }),
}).then((r) => r.json());
const token = signIn.data.token;

const local = mqttJs.connect(config.localUrl, { clientId, reconnectPeriod: 500 });
const last = new Map();
local.on('connect', (ack) => {
  // A broker that lost its retained messages (a restart without persistence) gets ours back.
  if (!ack.sessionPresent)
    for (const [topic, payload] of last) local.publish(topic, payload, { qos: 1, retain: true });
});
local.on('error', () => undefined);

const tls = new io.TlsContextOptions();
if (config.caPem) tls.override_default_trust_store(config.caPem);
const builder = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
  region: 'us-east-1',
  credentials_provider: crtAuth.AwsCredentialsProvider.newStatic(
    token.accessKeyId,
    token.secretKey,
    token.sessionToken,
  ),
})
  .with_endpoint(config.host)
  .with_port(config.port)
  .with_client_id(clientId)
  .with_clean_session(false)
  .with_keep_alive_seconds(60)
  .build();
builder.tls_ctx = new io.ClientTlsContext(tls);
const cloud = new mqtt.MqttClient().new_connection(builder);
cloud.on('error', () => undefined);
// aws-crt reconnects by itself (its defaults: 1 s first, doubling); the persistent session keeps
// the subscriptions across a hang-up, as the bridge's does.
//
// With `mode: 'json'` (the bench's `--json-floor`) it does the least any bridge must: parse each
// message and publish JSON text as long as the bridge's state (`jsonBytes`, measured by the bench
// from the tree under test): the status, and as many of its fields again as make up the length,
// held as a string until its PUBACK as the bridge's state is.
const asJson = config.mode === 'json';
const targetBytes = Number(config.jsonBytes) || 0;
/** The status fields repeated to reach targetBytes, chosen at the first status. */
let again;
function fieldsToRepeat(status) {
  const keys = [];
  let length = JSON.stringify({ status, again: {} }).length;
  for (const [key, value] of Object.entries(status)) {
    if (length >= targetBytes) break;
    keys.push(key);
    length += JSON.stringify(key).length + JSON.stringify(value).length + 2;
  }
  return keys;
}
cloud.on('message', (topic, payload) => {
  const out = `bench/forward/${topic}`;
  let body = Buffer.from(payload);
  if (asJson) {
    // A message that is not JSON (the simulator sends none) is forwarded unchanged, not thrown on.
    let status;
    try {
      status = JSON.parse(body.toString('utf8'))?.response?.status;
    } catch {}
    if (status && typeof status === 'object') {
      again ??= fieldsToRepeat(status);
      const repeated = {};
      for (const key of again) repeated[key] = status[key];
      body = JSON.stringify({ status, again: repeated });
    }
  }
  last.set(out, body);
  local.publish(out, body, { qos: 1, retain: true });
});

await cloud.connect();
for (const mac of config.macs) {
  await cloud.subscribe(`cmd/52/navilink-${mac}/#`, mqtt.QoS.AtLeastOnce);
  await cloud.publish(
    `cmd/52/navilink-${mac}/st`,
    JSON.stringify({
      clientID: clientId,
      sessionID: 'f'.repeat(32),
      protocolVersion: 2,
      request: { command: 16777219, deviceType: 52, macAddress: mac, additionalValue: '5322' },
      requestTopic: `cmd/52/navilink-${mac}/st`,
      responseTopic: `cmd/52/navilink-${mac}/${clientId}/res`,
    }),
    mqtt.QoS.AtLeastOnce,
  );
}
console.log(`forwarding ${config.macs.length} heater(s) as ${clientId}`);

const stop = async () => {
  await Promise.race([cloud.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  local.end(true);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
