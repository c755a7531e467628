// One client's WebSocket connection as the aedes broker sees it: a byte stream over the WebSocket,
// plus the ways the simulated AWS edge can end or break it — a clean hang-up (TLS close_notify, what
// aws-crt reports as UNEXPECTED_HANGUP over wss), an abrupt reset (SOCKET_CLOSED), or a blackhole
// that silently drops bytes both ways while the TCP connection stays open.

import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { WebSocket } from 'ws';
import type { DisconnectReason } from './counters.js';

export type Transport = 'ws' | 'wss';

/** How long a hung-up peer gets to close its side before the socket is destroyed anyway. */
const HANGUP_GRACE_MS = 2000;

export interface LinkInfo {
  transport: Transport;
  accessKeyId: string;
  openedAtMs: number;
}

export class SimLink extends Duplex {
  readonly transport: Transport;
  readonly accessKeyId: string;
  readonly openedAtMs: number;
  clientId: string | undefined;
  /** Why the connection ended (the first reason recorded wins). */
  closeReason: DisconnectReason | undefined;
  /** Asked when the broker drops the connection, for a reason only the broker knows (e.g. DISCONNECT). */
  destroyReason: (() => DisconnectReason | undefined) | undefined;

  private blackholed = false;
  /** The broker let go of the connection while it was blackholed; the socket is left dangling. */
  private abandonedInBlackhole = false;
  private socketClosed = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly closedListeners: Array<(link: SimLink) => void> = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    info: LinkInfo,
  ) {
    super({ allowHalfOpen: false });
    this.transport = info.transport;
    this.accessKeyId = info.accessKeyId;
    this.openedAtMs = info.openedAtMs;

    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      if (this.blackholed) return;
      if (!this.push(toBuffer(data))) ws.pause();
    });
    // ws closes the socket itself on protocol errors; the error only needs a listener.
    ws.on('error', () => this.noteReason('protocol-error'));
    ws.once('close', () => {
      this.noteReason('client-closed');
      this.push(null);
    });
    socket.once('close', () => {
      this.socketClosed = true;
      if (this.graceTimer) clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
      for (const listener of this.closedListeners.splice(0)) listener(this);
    });
  }

  get isClosed(): boolean {
    return this.socketClosed;
  }

  /** Open and still served by the broker (a connection abandoned inside a blackhole is not). */
  get isAlive(): boolean {
    return !this.socketClosed && !this.abandonedInBlackhole;
  }

  get isBlackholed(): boolean {
    return this.blackholed;
  }

  /** Called once when the underlying socket has closed. */
  onClosed(listener: (link: SimLink) => void): void {
    if (this.socketClosed) listener(this);
    else this.closedListeners.push(listener);
  }

  /** Records why the connection is ending, unless a reason is already known. */
  noteReason(reason: DisconnectReason): void {
    this.closeReason ??= reason;
  }

  /** A clean close, the way AWS IoT ends a connection on purpose (close_notify + FIN). */
  hangUp(reason: DisconnectReason): void {
    this.noteReason(reason);
    if (this.socketClosed || this.socket.destroyed) return;
    this.socket.end();
    this.graceTimer ??= setTimeout(() => this.socket.destroy(), HANGUP_GRACE_MS);
    this.graceTimer.unref();
  }

  /** An abrupt close with no TLS goodbye (a real RST on plain TCP), like a middlebox drop. */
  reset(reason: DisconnectReason): void {
    this.noteReason(reason);
    if (this.socketClosed || this.socket.destroyed) return;
    if (this.socket instanceof TLSSocket) this.socket.destroy();
    else this.socket.resetAndDestroy();
  }

  /**
   * While on, bytes in both directions vanish and the connection stays open. When it goes off, a
   * connection the broker gave up on meanwhile is reset (its state is gone on the server side).
   */
  setBlackhole(on: boolean): void {
    this.blackholed = on;
    if (!on && this.abandonedInBlackhole) this.reset('blackholed');
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.sendFrame(chunk, callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.sendFrame(Buffer.concat(chunks.map(({ chunk }) => chunk)), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.hangUp('hangup');
    callback();
  }

  /** The broker is done with this client (takeover, keep-alive timeout, bad packet…): hang up. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.blackholed && !this.socketClosed) {
      this.noteReason('blackholed');
      this.abandonedInBlackhole = true;
    } else {
      this.hangUp(this.destroyReason?.() ?? 'protocol-error');
    }
    callback(error);
  }

  private sendFrame(data: Buffer, callback: (error?: Error | null) => void): void {
    if (this.blackholed) {
      callback();
      return;
    }
    if (this.ws.readyState !== this.ws.OPEN) {
      callback(new Error('WebSocket is not open'));
      return;
    }
    this.ws.send(data, { binary: true }, (error) => callback(error ?? null));
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
