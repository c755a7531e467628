// Keeps the diagnostics report file in the HA config directory current: on a timer, on demand and
// once more at shutdown, always atomically. A disk that refuses is reported, never fatal.

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiagnosticsReport } from '../diagnostics/report.js';
import { isoUtc } from '../diagnostics/types.js';
import { type AtomicWriteOptions, writeFileAtomic } from '../util/atomicFile.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Redactor } from '../util/redact.js';
import type { ReportFileStatus } from './health.js';

export interface ReportWriterOptions {
  /** The HA config directory (`ha_config_dir`); it must exist: a missing mount is an error, not a mkdir. */
  dir: string;
  /** `diagnostics_file`. */
  fileName: string;
  /** `diagnostics_export_interval`: seconds between writes; 0 = only on demand and at shutdown. */
  intervalSeconds: number;
  /** Builds the redacted report; called once per write. */
  report: () => DiagnosticsReport;
  /** Scrubs the report's map keys, which the report builder's redaction does not reach. */
  redactor: Redactor;
  clock: Clock;
  log: Logger;
  /** Test seam handed to `writeFileAtomic` (runs between the durable temp file and the rename). */
  beforeRename?: AtomicWriteOptions['beforeRename'];
}

export interface WriteResult {
  path: string;
  bytes: number;
  written_at: string;
}

/** A write the disk (or the report builder) refused; `code` is the OS error code or `EREPORT`. */
export class ReportWriteError extends Error {
  override readonly name = 'ReportWriteError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Codes that mean "the disk is full", which HTTP calls 507 rather than a plain 500. */
export const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

export function explainWriteError(code: string, dir: string): string {
  switch (code) {
    case 'EROFS':
      return `${dir} is mounted read-only; map homeassistant_config with read_only: false`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied writing into ${dir}`;
    case 'ENOENT':
      return `${dir} does not exist; is the Home Assistant config directory mapped into the add-on?`;
    case 'ENOTDIR':
      return `${dir} is not a directory`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk holding ${dir} is full`;
    case 'EREPORT':
      return 'the report could not be built (see the error logged with it)';
    default:
      return `the file system refused the write (${code})`;
  }
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,32}$/.test(code) ? code : 'EIO';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class ReportWriter {
  readonly path: string;
  private readonly options: ReportWriterOptions;
  private readonly intervalMs: number;
  /** writeFileAtomic's temp names (`.<file>.<pid>.<n>.tmp`): a crash mid-write leaves one behind. */
  private readonly tempPattern: RegExp;
  private timer: TimerHandle | undefined;
  private started = false;
  private closing: Promise<void> | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private staleTempsRemoved = false;
  private current: ReportFileStatus;

  constructor(options: ReportWriterOptions) {
    this.options = options;
    this.path = join(options.dir, options.fileName);
    const seconds = Number.isFinite(options.intervalSeconds) ? options.intervalSeconds : 0;
    this.intervalMs = Math.max(0, seconds) * 1000;
    this.tempPattern = new RegExp(`^\\.${escapeRegExp(options.fileName)}\\.\\d+\\.\\d+\\.tmp$`);
    this.current = {
      state: 'pending',
      path: this.path,
      last_written_at: null,
      last_bytes: null,
      error: null,
      failing_since: null,
    };
  }

  /** Starts the periodic writes (none when the interval is 0). */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.schedule();
  }

  status(): ReportFileStatus {
    return { ...this.current, error: this.current.error ? { ...this.current.error } : null };
  }

  /** Writes the report now (after any write already under way); rejects with a ReportWriteError. */
  writeNow(): Promise<WriteResult> {
    const run = this.chain.then(() => this.writeOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Stops the timer and writes a last report; never rejects. Calling it again waits for the same write. */
  close(): Promise<void> {
    if (!this.closing) {
      this.options.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.closing = this.writeNow().then(
        () => undefined,
        () => undefined,
      );
    }
    return this.closing;
  }

  private schedule(): void {
    if (this.intervalMs <= 0 || this.closing) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.writeNow()
        .catch(() => undefined)
        .then(() => this.schedule());
    }, this.intervalMs);
  }

  private async writeOnce(): Promise<WriteResult> {
    const { clock, log } = this.options;
    let text: string;
    try {
      text = `${JSON.stringify(this.options.redactor.redact(this.options.report()), null, 2)}\n`;
    } catch (error) {
      log.error({ err: error }, 'building the diagnostics report failed');
      throw this.failed('EREPORT');
    }
    try {
      const info = await stat(this.options.dir);
      if (!info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      await this.removeStaleTemps();
      await writeFileAtomic(this.path, text, { mode: 0o644, beforeRename: this.options.beforeRename });
    } catch (error) {
      throw this.failed(errorCode(error));
    }
    const bytes = Buffer.byteLength(text);
    const writtenAt = isoUtc(clock.now());
    const wasFailing = this.current.state === 'failing';
    this.current = {
      state: 'ok',
      path: this.path,
      last_written_at: writtenAt,
      last_bytes: bytes,
      error: null,
      failing_since: null,
    };
    if (wasFailing) log.info({ path: this.path }, `diagnostics report file is writable again (${this.path})`);
    else log.debug({ path: this.path, bytes }, 'diagnostics report written');
    return { path: this.path, bytes, written_at: writtenAt };
  }

  private failed(code: string): ReportWriteError {
    const message = explainWriteError(code, this.options.dir);
    const previous = this.current;
    const changed = previous.state !== 'failing' || previous.error?.code !== code;
    this.current = {
      ...previous,
      state: 'failing',
      error: { code, message },
      failing_since: previous.failing_since ?? isoUtc(this.options.clock.now()),
    };
    // One line per change of state: a read-only disk must not fill the log every five minutes.
    const line = `cannot write the diagnostics report ${this.path}: ${code}: ${message}; the bridge keeps running and will retry`;
    if (changed) this.options.log.warn({ code, path: this.path }, line);
    else this.options.log.debug({ code, path: this.path }, line);
    return new ReportWriteError(code, message);
  }

  /** Temp files a killed process left behind would pile up in the user's config directory. */
  private async removeStaleTemps(): Promise<void> {
    if (this.staleTempsRemoved) return;
    const names = await readdir(this.options.dir);
    for (const name of names) {
      // Writes are serialised, so no temp file of this process is in flight here; a matching
      // name is a leftover, even one carrying our pid (a restarted container often reuses it).
      if (!this.tempPattern.test(name)) continue;
      await rm(join(this.options.dir, name), { force: true }).catch(() => undefined);
    }
    this.staleTempsRemoved = true;
  }
}
