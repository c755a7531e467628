// The ingress page's document: the skeleton the script fills in, with its stylesheet and script
// inline (one self-contained page: no CDN, no external fonts) and a Content-Security-Policy that
// allows exactly those two blocks.

import { createHash } from 'node:crypto';
import { escapeHtml } from './escape.js';
import { PAGE_SCRIPT } from './script.js';
import { PAGE_CSS } from './styles.js';

/** HA's ingress prefix (`/api/hassio_ingress/<token>`) or any plain absolute path; nothing else. */
const INGRESS_PATH = /^(?:\/[A-Za-z0-9._~-]+)+\/?$/;

/** The `X-Ingress-Path` header when it is a plain absolute path, without a trailing slash; else null. */
export function ingressBase(header: unknown): string | null {
  if (typeof header !== 'string' || header.length > 200 || !INGRESS_PATH.test(header)) return null;
  return header.replace(/\/+$/, '');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Only our inline style and script run; data is fetched from this origin only. */
export function pageContentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    `script-src ${sha256(PAGE_SCRIPT)}`,
    `style-src ${sha256(PAGE_CSS)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}

export function renderPage(input: { version: string; ingressPath: string | null }): string {
  // With a base, relative URLs resolve under the ingress prefix even when the page was opened
  // without its trailing slash; without one they resolve against the page itself.
  const base = input.ingressPath === null ? '' : `\n<base href="${escapeHtml(`${input.ingressPath}/`)}">`;
  const version = escapeHtml(input.version);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>NWP500 bridge · cloud link</title>${base}
<style>${PAGE_CSS}</style>
</head>
<body>
<header class="top">
  <div>
    <h1>NWP500 bridge</h1>
    <p class="sub">Navien cloud link diagnostics · version ${version}</p>
  </div>
  <span id="status-pill" class="pill tone-muted" role="status">Loading…</span>
</header>
<main>
  <div id="banner" class="banner tone-bad" role="alert" hidden></div>
  <div id="health-banner" class="banner health-banner" role="status" aria-live="polite" hidden></div>
  <section class="card c-link" aria-labelledby="link-title">
    <h2 id="link-title">Cloud link</h2>
    <dl id="link-facts" class="facts"></dl>
  </section>
  <section class="card c-verdict" aria-labelledby="verdict-title">
    <h2 id="verdict-title">Why it drops</h2>
    <div id="verdict"></div>
  </section>
  <section class="heaters wide" aria-labelledby="heaters-title">
    <h2 id="heaters-title" class="section-title">Water heaters</h2>
    <div id="heaters" class="heater-grid"></div>
  </section>
  <section class="card wide" aria-labelledby="timeline-title">
    <div class="card-head">
      <h2 id="timeline-title">Sessions and drops</h2>
      <div class="seg" role="group" aria-label="Period">
        <button type="button" data-hours="1" aria-pressed="false">Last hour</button>
        <button type="button" data-hours="24" aria-pressed="false">1 day</button>
        <button type="button" data-hours="168" aria-pressed="false">7 days</button>
        <button type="button" data-hours="720" aria-pressed="false">30 days</button>
      </div>
    </div>
    <div id="chart" class="chart"></div>
    <p id="chart-detail" class="detail" aria-live="polite"></p>
    <div class="legend">
      <span><i class="l-session"></i>Connected</span>
      <span><i class="l-drop"></i>Drop</span>
      <span><i class="l-failure"></i>Reconnect failed</span>
      <span><i class="l-host"></i>Host event</span>
    </div>
    <div id="chart-note" class="chart-note"></div>
  </section>
  <section class="card c-third" aria-labelledby="errors-title">
    <h2 id="errors-title">Drops by error</h2>
    <div id="errors"></div>
  </section>
  <section class="card c-third" aria-labelledby="checklist-title">
    <h2 id="checklist-title">Checklist</h2>
    <ul id="checklist" class="checklist"></ul>
  </section>
  <section class="card c-report" aria-labelledby="report-title">
    <h2 id="report-title">Diagnostics report</h2>
    <p class="note">A redacted JSON file (no password, tokens, e-mail, MAC or serial) to attach to a bug report.
      It is also written to the Home Assistant config folder on a schedule.</p>
    <div class="actions">
      <button id="export-btn" class="primary" type="button">Export report now</button>
      <a id="download-link" class="button secondary" href="api/diagnostics?download=1" download>Download report</a>
    </div>
    <p id="export-result" class="result" aria-live="polite"></p>
    <dl id="report-file" class="facts"></dl>
  </section>
</main>
<footer><span id="updated">Waiting for data…</span> · refreshes every 10 s</footer>
<noscript><p class="note">This page needs JavaScript. The raw report is at <a href="api/diagnostics">api/diagnostics</a>.</p></noscript>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
