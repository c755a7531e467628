// What each cloud error name means in practice, in words a user
// can act on, so an error breakdown explains itself.

export const HANGUP = 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP';
export const SOCKET_CLOSED = 'AWS_IO_SOCKET_CLOSED';
export const UPGRADE_FAILURE = 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE';
/** The errors of a path that went silent (no answer to a ping or an operation). */
export const HALF_OPEN_ERRORS: ReadonlySet<string> = new Set([
  'AWS_ERROR_MQTT_TIMEOUT',
  'AWS_ERROR_MQTT5_PING_RESPONSE_TIMEOUT',
]);

const MEANINGS: Readonly<Record<string, string>> = {
  AWS_ERROR_MQTT_UNEXPECTED_HANGUP:
    'the server closed the connection cleanly: AWS IoT disconnected the client on purpose (24 h WebSocket lifetime, duplicate client id, policy violation, throttling)',
  AWS_IO_SOCKET_CLOSED:
    'the TCP connection was cut without a TLS goodbye: a router, NAT, firewall or lost Wi-Fi ended it',
  AWS_ERROR_MQTT_TIMEOUT: 'no answer to a ping or request in time: a half-open or black-holed network path',
  AWS_ERROR_MQTT5_PING_RESPONSE_TIMEOUT:
    'no answer to a keep-alive ping: a half-open or black-holed network path',
  AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE:
    'the WebSocket handshake was refused (usually 403): expired or wrong credentials, or a wrong host clock',
  AWS_ERROR_MQTT5_DISCONNECT_RECEIVED: 'the server sent an MQTT5 DISCONNECT with a reason code',
  AWS_ERROR_MQTT5_CONNACK_CONNECTION_REFUSED:
    'the server refused the MQTT connection (authorisation or policy)',
  AWS_ERROR_MQTT5_CONNACK_TIMEOUT: 'the server did not answer the MQTT CONNECT in time',
  AWS_ERROR_MQTT_PROTOCOL_ERROR:
    'the peer spoke something other than MQTT (wrong endpoint or a proxy in the way)',
  AWS_ERROR_MQTT_INVALID_CREDENTIALS: 'the server rejected the credentials',
  AWS_ERROR_HTTP_CONNECTION_CLOSED: 'the HTTP/WebSocket connection closed underneath MQTT',
  AWS_ERROR_HTTP_WEBSOCKET_PROTOCOL_ERROR: 'the WebSocket stream was corrupted or not a WebSocket',
  AWS_IO_BROKEN_PIPE: 'the connection broke while sending',
  AWS_IO_SOCKET_CONNECTION_REFUSED: 'nothing accepted the connection (endpoint down or blocked)',
  AWS_IO_SOCKET_TIMEOUT: 'the TCP connection could not be established in time (network down or filtered)',
  AWS_IO_SOCKET_NO_ROUTE_TO_HOST: 'no route to the cloud: the host network link is down',
  AWS_IO_SOCKET_NETWORK_DOWN: 'the host network is down',
  AWS_IO_SOCKET_NOT_CONNECTED: 'the socket was not connected',
  AWS_IO_SOCKET_CONNECT_ABORTED: 'the connection attempt was aborted',
  AWS_IO_DNS_QUERY_FAILED: 'DNS lookup of the cloud endpoint failed',
  AWS_IO_DNS_INVALID_NAME: 'DNS says the endpoint name does not exist',
  AWS_IO_DNS_NO_ADDRESS_FOR_HOST: 'DNS returned no address for the endpoint',
  AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE: 'the TLS handshake failed (proxy, filtering, or a wrong clock)',
  AWS_IO_TLS_NEGOTIATION_TIMEOUT: 'the TLS handshake timed out',
  AWS_AUTH_SIGNING_NO_CREDENTIALS: 'there were no AWS credentials to sign the connection with',
  AWS_AUTH_SIGNING_INVALID_CREDENTIALS: 'the AWS credentials used for signing were invalid',
  NAVIEN_AUTH_INVALID_CREDENTIALS: 'NaviLink rejected the e-mail/password: fix them in the add-on options',
  NAVIEN_CONNECT_TIMEOUT:
    'the bridge gave up waiting for the connection (the WebSocket upgrade or CONNACK never came)',
  NAVIEN_SIGN_IN_TIMEOUT: 'signing in to NaviLink (or renewing the tokens) got no answer in time',
  NAVIEN_SUBSCRIBE_TIMEOUT:
    'a subscription got no SUBACK in time: the connection was treated as dead and rebuilt',
  NAVIEN_PUBLISH_TIMEOUT: 'a publish got no PUBACK in time: the connection was treated as dead and rebuilt',
  NAVIEN_CONNECTION_GONE:
    'the connection ended while a message waited for its acknowledgement; it is sent again on the next one',
  AWS_IO_TLS_CTX_ERROR:
    'the TLS settings could not be built: navien_mqtt_ca_file does not hold a valid PEM certificate',
  UNKNOWN: 'no error name was reported',
};

export function errorMeaning(name: string): string {
  if (Object.hasOwn(MEANINGS, name)) return MEANINGS[name] as string;
  if (name.startsWith('NAVIEN_')) return 'raised by the bridge itself (see the add-on log around that time)';
  if (name.startsWith('ERROR_'))
    return 'an unexpected error inside the bridge (see the add-on log around that time)';
  if (name.startsWith('AWS_')) return 'an aws-crt error without a known pattern; search for the name';
  return 'no known meaning; search for the name';
}
