// The ingress page's script: polls /healthz, /api/timeline, /api/heaters and (when something
// changed, or every minute) /api/diagnostics, and renders them. Everything shown is set as text, never as HTML,
// because error names and messages come from the network. URLs are relative (ingress prefix).

import { CHART_SCRIPT } from './chart.js';
import { HEATER_CARDS_SCRIPT } from './heaterCards.js';

// Plain browser JavaScript kept as a string (String.raw: backslashes stay as written). No template
// literals inside, so the TypeScript template that holds it needs no escaping; the heater cards and
// the chart are fragments of it, kept in their own files and inlined below.
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var REFRESH_MS = 10000;
  var REPORT_MAX_AGE_MS = 60000;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var DAY_MS = 86400000;
  var state = {
    health: null, timeline: null, heaters: null, report: null, reportRevision: null, reportAt: 0,
    // hours: the range the reader chose; null opens on the shortest range that holds the history.
    hours: null, skew: 0, timer: 0, busy: false, detail: ''
  };

  function $(id) { return document.getElementById(id); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function h(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var key in attrs) if (Object.prototype.hasOwnProperty.call(attrs, key)) node.setAttribute(key, String(attrs[key]));
    return node;
  }
  // Error names are long SNAKE_CASE words: let them wrap after an underscore, not mid-word.
  function errorName(text, cls) {
    var node = h('span', 'mono name' + (cls ? ' ' + cls : ''));
    String(text).split('_').forEach(function (part, i, parts) {
      node.appendChild(document.createTextNode(part + (i < parts.length - 1 ? '_' : '')));
      if (i < parts.length - 1) node.appendChild(document.createElement('wbr'));
    });
    return node;
  }
  function serverNow() { return Date.now() + state.skew; }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  function duration(seconds) {
    if (typeof seconds !== 'number' || !isFinite(seconds) || seconds < 0) return '\u2014';
    var s = Math.floor(seconds);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    var hr = Math.floor(m / 60);
    if (hr < 48) return hr + ' h ' + (m % 60) + ' min';
    return Math.floor(hr / 24) + ' d ' + (hr % 24) + ' h';
  }
  function when(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '\u2014';
    return new Date(ms).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }
  function clock(ms) {
    return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  function ago(ms) {
    var seconds = (serverNow() - ms) / 1000;
    return seconds < 5 ? 'just now' : duration(seconds) + ' ago';
  }
  function kilobytes(n) {
    return n < 1024 ? n + ' bytes' : (n / 1024).toFixed(n < 10240 ? 1 : 0) + ' KiB';
  }
  function parseTime(iso) {
    var ms = typeof iso === 'string' ? Date.parse(iso) : NaN;
    return isFinite(ms) ? ms : null;
  }
  function words(text) { return String(text).replace(/_/g, ' '); }

  function getJson(url, init, okStatuses) {
    var options = { cache: 'no-store', headers: { accept: 'application/json' } };
    if (init) for (var key in init) options[key] = init[key];
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        var ok = response.ok || (okStatuses && okStatuses.indexOf(response.status) !== -1);
        if (!ok || body === null) {
          var message = body && typeof body.message === 'string' ? body.message : 'HTTP ' + response.status;
          throw new Error(message);
        }
        return body;
      });
    });
  }

  // ---- status pill and link facts -------------------------------------------------------------

  var LINK_TEXT = {
    connected: ['Connected', 'ok'], connecting: ['Connecting', 'warn'], reconnecting: ['Reconnecting', 'warn'],
    auth_failed: ['Sign-in failed', 'bad'], gave_up: ['Gave up reconnecting', 'bad'], stopped: ['Stopped', 'muted']
  };
  function linkText(cloud) {
    var entry = LINK_TEXT[cloud.state] || [words(cloud.state), cloud.connected ? 'ok' : 'warn'];
    var text = entry[0];
    if (cloud.state === 'reconnecting' && cloud.reconnect_attempt > 0) text += ' \u00b7 attempt ' + cloud.reconnect_attempt;
    return { text: text, tone: entry[1] };
  }

  function renderPill() {
    var pill = $('status-pill');
    if (!state.health) return;
    var link = linkText(state.health.cloud);
    pill.textContent = link.text;
    pill.className = 'pill tone-' + link.tone;
  }

  function fact(list, label, value, cls, id) {
    list.appendChild(h('dt', '', label));
    var dd = h('dd', cls || '', value);
    if (id) dd.id = id;
    list.appendChild(dd);
    return dd;
  }

  function currentOutageStart() {
    var t = state.timeline;
    if (!t || t.connected || t.drops.length === 0) return null;
    return t.drops[t.drops.length - 1].at_ms;
  }

  function renderLink() {
    var list = clear($('link-facts'));
    var health = state.health;
    if (!health) return;
    var cloud = health.cloud;
    var link = LINK_TEXT[cloud.state] || [words(cloud.state), cloud.connected ? 'ok' : 'warn'];
    fact(list, 'Cloud link', link[0], 'text-' + link[1]);
    var since = parseTime(cloud.connected_since);
    if (cloud.connected) {
      fact(list, 'Connected since', since === null ? '\u2014' : when(since));
      fact(list, 'Session uptime', '', '', 'uptime');
    } else {
      var attempt = cloud.reconnect_attempt > 0 ? 'attempt ' + cloud.reconnect_attempt : 'waiting to retry';
      fact(list, 'Reconnecting', cloud.state === 'stopped' ? 'no' : attempt, 'text-warn');
      fact(list, 'Down for', '', '', 'outage');
    }
    var lastError = fact(list, 'Last cloud error', cloud.last_error ? '' : 'none', cloud.last_error ? '' : 'text-muted');
    if (cloud.last_error) lastError.appendChild(errorName(cloud.last_error));
    var auth = health.auth.state;
    fact(list, 'Sign-in', auth === 'signed_in' ? 'signed in' : words(auth), auth === 'auth_failed' ? 'text-bad' : auth === 'signed_in' ? 'text-ok' : '');
    fact(list, 'Local MQTT broker', health.local_broker.connected ? 'connected' : 'disconnected', health.local_broker.connected ? 'text-ok' : 'text-bad');
    var report = state.report;
    if (report) {
      // Every count comes from the report's numbers: the same object /metrics and the entities use.
      var n = report.numbers;
      // How long the link has been watched (across restarts), ticking like the session uptime.
      fact(list, 'Observed for', '', '', 'observed');
      number(list, 'Drops / recoveries', n.drops + ' / ' + n.recoveries, 'drops');
      number(list, 'Drops in the last 24 h', String(n.drops_last_24h), 'drops_last_24h');
      number(list, 'Drop rate', n.drops_per_day === null ? 'shown after ' + n.rate_min_hours + ' h of watching' : n.drops_per_day + ' per day', 'drops_per_day');
      number(list, 'Reconnect attempts', n.reconnect_attempts + ' (' + n.reconnect_failures + ' failed)', 'reconnect_attempts');
      number(list, 'Credential renewals', String(n.credential_renewals), 'credential_renewals');
      if (n.sessions_ended > 0) {
        number(list, 'Sessions', plural(n.sessions_ended, 'session') + ' ended: average ' + duration(n.session_average_seconds) + ', longest ' + duration(n.session_longest_seconds), 'sessions_ended');
      }
    }
    tick();
  }

  // A fact that shows one of the numbers; data-number names it, so a test can read it back.
  function number(list, label, value, key) {
    var dd = fact(list, label, value);
    dd.setAttribute('data-number', key);
    return dd;
  }

  function tick() {
    var uptime = $('uptime');
    var since = state.health ? parseTime(state.health.cloud.connected_since) : null;
    if (uptime && since !== null) uptime.textContent = duration((serverNow() - since) / 1000);
    var outage = $('outage');
    var start = currentOutageStart();
    if (outage) outage.textContent = start === null ? '\u2014' : duration((serverNow() - start) / 1000);
    var observed = $('observed');
    var report = state.report;
    var generated = report ? parseTime(report.timestamp) : null;
    if (observed && report && generated !== null) {
      observed.textContent = duration(report.counters.observed_hours * 3600 + Math.max(0, serverNow() - generated) / 1000);
    }
    // Ages on the heater cards ("12 s ago", a command waiting "1 min 4 s").
    Array.prototype.forEach.call(document.querySelectorAll('[data-ago]'), function (node) {
      node.textContent = ago(Number(node.getAttribute('data-ago')));
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-age]'), function (node) {
      node.textContent = duration((serverNow() - Number(node.getAttribute('data-age'))) / 1000);
    });
  }

  // ---- health banner: what /healthz says when it is not ok --------------------------------------

  // A rejected password is only degraded (no restart helps) but needs the reader: shown as bad.
  var HEALTH_TEXT = {
    unhealthy: ['Unhealthy', 'bad', 'the Supervisor watchdog, when turned on, restarts the add-on'],
    degraded: ['Degraded', 'warn', '']
  };
  function renderHealthBanner() {
    var banner = $('health-banner');
    var health = state.health;
    var entry = health && health.reasons && health.reasons.length > 0 ? HEALTH_TEXT[health.status] : null;
    clear(banner);
    if (!entry) { banner.hidden = true; banner.removeAttribute('data-status'); return; }
    var authFailed = health.reasons.some(function (r) { return r.code === 'auth_failed'; });
    banner.className = 'banner health-banner tone-' + (authFailed ? 'bad' : entry[1]);
    banner.setAttribute('data-status', health.status);
    banner.appendChild(h('strong', '', entry[0]));
    var note = authFailed ? 'a restart does not help' : entry[2];
    if (note) banner.appendChild(document.createTextNode(' — ' + note));
    var list = h('ul', 'health-reasons');
    health.reasons.forEach(function (reason) {
      var li = h('li');
      li.setAttribute('data-code', reason.code);
      li.appendChild(h('span', 'mono', reason.code));
      li.appendChild(document.createTextNode(': ' + reason.message));
      var since = parseTime(reason.since);
      if (since !== null) li.appendChild(h('span', 'health-since', ' · since ' + when(since)));
      list.appendChild(li);
    });
    banner.appendChild(list);
    banner.hidden = false;
  }

  // ---- verdict, errors, checklist ---------------------------------------------------------------

  var VERDICTS = {
    collecting_baseline: ['Collecting baseline', 'info'], stable: ['Stable', 'ok'],
    regular_interval: ['Regular interval', 'warn'], fixed_lifetime: ['Fixed lifetime', 'warn'],
    random: ['Random', 'warn'], irregular: ['Irregular', 'warn'], bursty: ['Bursty', 'warn'],
    load_correlated: ['Load-correlated', 'warn'], system_events: ['Host events', 'warn'],
    immediate_rejection: ['Immediate rejection', 'bad'], half_open: ['Half-open link', 'warn'],
    reconnect_failing: ['Reconnect failing', 'bad'], analysis_error: ['Analysis error', 'muted']
  };

  // What each statistic is, for the people who open the table (the raw key is its tooltip).
  var EVIDENCE_LABELS = {
    hours_observed: 'Hours observed', drops_analysed: 'Drops analysed', episodes: 'Drop episodes (drops < 1 min apart are one)',
    gaps: 'Gaps between episodes', drops_per_day: 'Drops per day', keep_alive_secs: 'keep_alive_secs',
    dominant_error: 'Most common error', dominant_error_share: 'Share of the most common error',
    lifetimes_known: 'Sessions of known length', immediate_fraction: 'Share of sessions cut within 5 s',
    median_lifetime_s: 'Median session length (s)', lifetime_mad_ratio: 'Spread of session lengths (MAD / median)',
    lifetime_p: 'Chance of lengths this alike if sessions ended at random (p)', lifetime_matches: 'Session length matches',
    median_gap_s: 'Median gap between episodes (s)', gap_mad_ratio: 'Spread of the gaps (MAD / median)',
    gap_regularity_p: 'Chance of gaps this even if drops were random (p)', cv: 'Coefficient of variation of the gaps',
    burstiness_corrected: 'Burstiness (Kim & Jo, corrected)', gap_burstiness_p: 'Chance of gaps this uneven if drops were random (p)',
    clock_period_s: 'Clock period tested (s)', clock_r: 'Phase concentration at that period (R)', clock_p: 'Rayleigh p at that period (corrected)',
    load_bins: '5-minute load windows', load_mean_per_bin: 'Messages per 5 minutes, usually', load_peak_per_second: 'Busiest 5 minutes (messages/s)',
    load_episodes_measured: 'Episodes with the load before them measured', median_messages_before_drop: 'Median messages in the 5 minutes before a drop',
    load_ratio: 'Load before drops / usual load', load_p: 'Chance of that much load before drops (permutation p)',
    system_events: 'Host events', episodes_near_system_events: 'Episodes within 2 minutes of a host event',
    episodes_near_system_events_by_chance: 'Episodes that near by chance (expected)', system_event_fraction: 'Share of episodes near a host event',
    system_event_p: 'Chance of that many near host events (shuffled drops, p)', bridge_restarts: 'Bridge restarts',
    outages: 'Outages', unrecovered_outages: 'Outages not followed by a reconnect', median_time_to_reconnect_s: 'Median time to reconnect (s)',
    reconnect_failures_analysed: 'Failed reconnects analysed', upgrade_failures: 'Refused handshakes (WEBSOCKET_UPGRADE_FAILURE)',
    credential_renewals_analysed: 'Credential renewals analysed', refusals_since_drop: 'Refused handshakes since the last drop',
    refusal_oldest_credential_age_s: 'Oldest credentials refused (s)', cloud_clock_offset_s: "Cloud's clock minus ours (s)",
    rest_answered_since_drop: 'REST answers since the last drop', rest_unreachable_since_drop: 'REST calls unanswered since the last drop',
    config_epochs: 'Configuration epochs', epoch_changed: 'Settings changed', epoch_drops_per_day_before: 'Drops per day before the change',
    epoch_drops_per_day_after: 'Drops per day after the change', epoch_rate_p: 'Rate change p (conditional binomial test)',
    nat_hypothesis: 'NAT idle-timeout hypothesis', connected: 'Link up at the end'
  };

  function renderVerdict() {
    var box = clear($('verdict'));
    if (!state.report) { box.appendChild(h('p', 'empty', 'Loading the analysis\u2026')); return; }
    var a = state.report.analysis;
    var v = VERDICTS[a.verdict] || [words(a.verdict), 'muted'];
    var head = h('div', 'verdict-head');
    head.appendChild(h('span', 'badge tone-' + v[1], v[0]));
    head.appendChild(h('span', 'confidence', a.confidence + ' confidence'));
    box.appendChild(head);
    box.appendChild(h('h3', '', a.title));
    // What decided it, in sentences with the numbers; the statistics are one click further.
    if (a.summary && a.summary.length > 0) {
      var why = h('div', 'summary');
      why.id = 'verdict-summary';
      a.summary.forEach(function (sentence) { why.appendChild(h('p', '', sentence)); });
      box.appendChild(why);
    }
    if (a.likelyCause) box.appendChild(h('p', 'cause', a.likelyCause));
    if (a.advice.length > 0) {
      box.appendChild(h('h4', '', 'What to do'));
      var list = h('ul', 'advice');
      a.advice.forEach(function (line) { list.appendChild(h('li', '', line)); });
      box.appendChild(list);
    }
    var keys = Object.keys(a.evidence).filter(function (key) { return a.evidence[key] !== null; });
    if (keys.length > 0) {
      var details = h('details');
      details.id = 'verdict-statistics';
      details.appendChild(h('summary', '', 'Statistics behind the verdict, for experts (' + keys.length + ')'));
      var table = h('table', 'evidence');
      var body = h('tbody');
      keys.forEach(function (key) {
        var row = h('tr');
        var label = h('td', '', EVIDENCE_LABELS[key] || words(key));
        label.title = key;
        row.appendChild(label);
        row.appendChild(h('td', 'mono', String(a.evidence[key])));
        body.appendChild(row);
      });
      table.appendChild(body);
      details.appendChild(table);
      box.appendChild(details);
    }
  }

  function renderErrors() {
    var box = clear($('errors'));
    if (!state.report) return;
    var rows = state.report.analysis.errorBreakdown.slice();
    if (rows.length === 0) {
      var byError = state.report.numbers.drops_by_error;
      rows = Object.keys(byError).map(function (name) { return { name: name, count: byError[name], meaning: '' }; });
    }
    if (rows.length === 0) {
      box.appendChild(h('p', 'empty', 'No drops yet \u2014 collecting baseline.'));
      return;
    }
    rows.sort(function (x, y) { return y.count - x.count; });
    var max = rows[0].count || 1;
    rows.forEach(function (row) {
      var item = h('div', 'error-row');
      var top = h('div', 'error-top');
      top.appendChild(errorName(row.name, 'error-name'));
      top.appendChild(h('span', 'error-count', row.count));
      item.appendChild(top);
      var bar = h('div', 'bar');
      var fill = h('span');
      fill.style.width = Math.max(2, Math.round((row.count / max) * 100)) + '%';
      bar.appendChild(fill);
      item.appendChild(bar);
      if (row.meaning) item.appendChild(h('div', 'meaning', row.meaning));
      box.appendChild(item);
    });
  }

  var CHECKS = { yes: ['\u2713', 'ok', 'yes'], no: ['\u2715', 'bad', 'no'], unknown: ['?', 'muted', 'not known yet'] };
  function renderChecklist() {
    var list = clear($('checklist'));
    if (!state.report) return;
    var items = state.report.analysis.checklist;
    if (items.length === 0) { list.appendChild(h('li', 'empty', 'Nothing to check yet.')); return; }
    items.forEach(function (entry) {
      var c = CHECKS[entry.answer] || CHECKS.unknown;
      var li = h('li');
      var mark = h('span', 'check tone-' + c[1], c[0]);
      mark.setAttribute('role', 'img');
      mark.setAttribute('aria-label', c[2]);
      li.appendChild(mark);
      li.appendChild(h('span', '', entry.item));
      li.appendChild(h('span', 'check-detail', entry.detail));
      list.appendChild(li);
    });
  }

  // ---- heater cards and the timeline chart (fragments of this script) ---------------------------

${HEATER_CARDS_SCRIPT}
${CHART_SCRIPT}
  // ---- report file and export -------------------------------------------------------------------

  function renderReportFile() {
    var list = clear($('report-file'));
    if (!state.health) return;
    var file = state.health.report_file;
    fact(list, 'File', file.path, 'mono');
    if (file.state === 'failing' && file.error) {
      fact(list, 'State', 'cannot write (' + file.error.code + ')', 'text-bad');
      fact(list, 'Why', file.error.message);
    } else if (file.state === 'ok') {
      var at = parseTime(file.last_written_at);
      fact(list, 'Last written', (at === null ? '\u2014' : ago(at)) + (file.last_bytes !== null ? ' \u00b7 ' + kilobytes(file.last_bytes) : ''), 'text-ok');
    } else {
      fact(list, 'State', 'not written yet', 'text-muted');
    }
  }

  function exportNow() {
    var button = $('export-btn');
    var result = $('export-result');
    button.disabled = true;
    button.textContent = 'Exporting\u2026';
    result.className = 'result';
    result.textContent = '';
    getJson('api/diagnostics/export', { method: 'POST' }).then(function (answer) {
      result.className = 'result text-ok';
      result.textContent = 'Saved ' + kilobytes(answer.bytes) + ' to ' + answer.path + ' at ' + clock(parseTime(answer.written_at) || Date.now()) + '.';
      schedule(0);
    }, function (error) {
      result.className = 'result text-bad';
      result.textContent = 'Export failed: ' + error.message;
    }).then(function () {
      button.disabled = false;
      button.textContent = 'Export report now';
    });
  }

  // ---- refresh loop -----------------------------------------------------------------------------

  function renderAll() {
    renderPill();
    renderHealthBanner();
    renderLink();
    renderVerdict();
    renderErrors();
    renderChecklist();
    renderHeaters();
    renderRange();
    renderChart();
    renderReportFile();
    tick();
  }

  // The range buttons: the reader's choice, or the range the bridge chose to hold the history.
  function renderRange() {
    var shown = state.hours !== null ? state.hours : state.timeline ? state.timeline.hours : null;
    Array.prototype.forEach.call(document.querySelectorAll('[data-hours]'), function (button) {
      button.setAttribute('aria-pressed', Number(button.getAttribute('data-hours')) === shown ? 'true' : 'false');
    });
  }

  function showProblem(message) {
    var banner = $('banner');
    if (!message) { banner.hidden = true; return; }
    banner.hidden = false;
    banner.textContent = message;
    if (!state.health) {
      var pill = $('status-pill');
      pill.textContent = 'Bridge not reachable';
      pill.className = 'pill tone-bad';
    }
  }

  function refresh() {
    if (state.busy) return;
    state.busy = true;
    var range = state.hours === null ? '' : '?hours=' + state.hours;
    Promise.all([getJson('healthz', null, [503]), getJson('api/timeline' + range), getJson('api/heaters')]).then(function (answers) {
      state.health = answers[0];
      state.timeline = answers[1];
      state.heaters = answers[2];
      state.skew = state.timeline.now_ms - Date.now();
      var stale = !state.report || state.reportRevision !== state.timeline.revision || Date.now() - state.reportAt > REPORT_MAX_AGE_MS;
      if (!stale) return null;
      var revision = state.timeline.revision;
      return getJson('api/diagnostics').then(function (report) {
        state.report = report;
        state.reportRevision = revision;
        state.reportAt = Date.now();
      });
    }).then(function () {
      showProblem(null);
      $('updated').textContent = 'Updated ' + clock(Date.now());
      renderAll();
    }, function (error) {
      showProblem('Cannot reach the bridge right now: ' + error.message + '. Showing the last data received.');
    }).then(function () {
      state.busy = false;
      schedule(REFRESH_MS);
    });
  }

  function schedule(ms) {
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { if (!document.hidden) refresh(); else schedule(REFRESH_MS); }, ms);
  }

  document.addEventListener('visibilitychange', function () { if (!document.hidden) schedule(0); });
  $('export-btn').addEventListener('click', exportNow);
  Array.prototype.forEach.call(document.querySelectorAll('[data-hours]'), function (button) {
    button.addEventListener('click', function () {
      state.hours = Number(button.getAttribute('data-hours'));
      renderRange();
      select('');
      schedule(0);
    });
  });
  var resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(renderChart, 150);
  });
  setInterval(tick, 1000);
  refresh();
})();
`;
