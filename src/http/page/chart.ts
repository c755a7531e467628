// The page's timeline chart (a fragment of the page script, inlined into it): sessions as spans,
// drops, failed attempts and host events as marks over the chosen range, with axis ticks that suit
// the range (minutes for the last hour, hours for a day, days beyond) and the range said in words.

export const CHART_SCRIPT = String.raw`

  function select(text) {
    state.detail = text;
    $('chart-detail').textContent = text || 'Tap or hover a mark for details.';
  }

  function dropText(d) {
    return d.error + ' at ' + when(d.at_ms) + (d.session_seconds !== null ? ' after ' + duration(d.session_seconds) + ' connected' : ' (link was already down)');
  }

  function addTitle(node, text) {
    var title = svg('title', {});
    title.textContent = text;
    node.appendChild(title);
  }

  // "the last hour", "the last day", "the last 7 days": the window in words, singular where it is one.
  function rangeText(hours) {
    if (hours === 1) return 'the last hour';
    if (hours === 24) return 'the last day';
    if (hours % 24 === 0) return 'the last ' + hours / 24 + ' days';
    return 'the last ' + plural(hours, 'hour');
  }

  function ticks(from, to, width) {
    var span = to - from;
    var step = span <= 2 * 3600000 ? (width < 500 ? 20 : 10) * 60000
      : span <= 2 * DAY_MS ? (width < 500 ? 6 : 3) * 3600000
      : span <= 8 * DAY_MS ? DAY_MS : (width < 500 ? 7 : 2) * DAY_MS;
    var first = new Date(from);
    first.setHours(0, 0, 0, 0);
    var out = [];
    for (var t = first.getTime(); t <= to; t += step) if (t >= from) out.push(t);
    return { list: out, hourly: step < DAY_MS };
  }

  function renderChart() {
    var box = clear($('chart'));
    var t = state.timeline;
    var note = $('chart-note');
    if (!t) return;
    var width = Math.max(280, Math.floor(box.clientWidth || 600));
    var pad = 8, top = 22, band = 30, height = top + band + 30;
    var from = t.from_ms, to = t.now_ms;
    var x = function (ms) { return pad + ((ms - from) / (to - from)) * (width - 2 * pad); };
    var root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, role: 'img' });
    root.setAttribute('aria-label', plural(t.sessions.length, 'session') + ' and ' + plural(t.drops.length, 'drop') + ' in ' + rangeText(t.hours));

    var axis = svg('g', { class: 'axis' });
    var span = to - from;
    var marks = ticks(from, to, width);
    marks.list.forEach(function (ms) {
      var px = x(ms);
      axis.appendChild(svg('line', { x1: px, x2: px, y1: top - 4, y2: top + band + 6 }));
      if (px > width - pad - 56) return; // no room for a label at the right edge
      var label = svg('text', { x: px + 3, y: top + band + 20 });
      var d = new Date(ms);
      label.textContent = marks.hourly && (d.getHours() !== 0 || d.getMinutes() !== 0 || span < DAY_MS)
        ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
        : d.toLocaleDateString(undefined, { weekday: width < 500 ? undefined : 'short', month: 'numeric', day: 'numeric' });
      axis.appendChild(label);
    });
    root.appendChild(axis);
    root.appendChild(svg('rect', { class: 'track', x: pad, y: top, width: width - 2 * pad, height: band, rx: 4 }));

    t.sessions.forEach(function (s) {
      var end = s.end_ms === null ? to : s.end_ms;
      var x0 = x(s.start_ms), x1 = x(end);
      var rect = svg('rect', { class: 'session' + (s.end_ms === null ? ' ongoing' : ''), x: x0, y: top, width: Math.max(1, x1 - x0), height: band });
      var text = (s.end_ms === null ? 'Connected since ' : 'Connected ') + (s.clipped ? 'before ' : '') + when(s.start_ms) +
        (s.end_ms === null ? '' : ' \u2192 ' + when(s.end_ms)) + ' (' + duration((end - s.start_ms) / 1000) + (s.clipped ? '+' : '') + ')';
      addTitle(rect, text);
      rect.addEventListener('click', function () { select(text); });
      root.appendChild(rect);
    });

    t.reconnect_failures.forEach(function (f) {
      var dot = svg('circle', { class: 'failure', cx: x(f.at_ms), cy: top + band + 8, r: 3 });
      addTitle(dot, 'Reconnect attempt failed: ' + f.error + ' at ' + when(f.at_ms));
      root.appendChild(dot);
    });
    t.host_events.forEach(function (e) {
      var px = x(e.at_ms), py = top - 12;
      var diamond = svg('path', { class: 'host', d: 'M' + px + ' ' + (py - 4) + 'l4 4l-4 4l-4 -4z' });
      addTitle(diamond, 'Host event: ' + words(e.kind) + ' at ' + when(e.at_ms));
      root.appendChild(diamond);
    });
    t.drops.forEach(function (d) {
      var px = x(d.at_ms);
      var g = svg('g', { class: 'drop' });
      g.appendChild(svg('line', { x1: px, x2: px, y1: top - 2, y2: top + band }));
      g.appendChild(svg('path', { d: 'M' + (px - 5) + ' ' + (top - 9) + 'h10l-5 7z' }));
      g.appendChild(svg('rect', { class: 'hit', x: px - 7, y: top - 12, width: 14, height: band + 14 }));
      var text = dropText(d);
      addTitle(g, text);
      g.addEventListener('click', function () { select(text); });
      root.appendChild(g);
    });
    var nowLine = svg('g', { class: 'now' });
    nowLine.appendChild(svg('line', { x1: x(to), x2: x(to), y1: top - 4, y2: top + band + 4 }));
    root.appendChild(nowLine);
    box.appendChild(root);

    clear(note);
    if (t.sessions.length === 0 && t.drops.length === 0) {
      note.appendChild(h('p', 'empty', 'No connection history in this period yet.'));
    } else if (t.drops.length === 0) {
      note.appendChild(h('p', 'empty', 'No drops yet \u2014 collecting baseline.'));
    } else {
      var last = t.drops[t.drops.length - 1];
      note.appendChild(h('p', 'note', plural(t.drops.length, 'drop') + ' in ' + rangeText(t.hours) + '. Latest: ' + dropText(last) + '.' +
        (t.truncated ? ' Only the newest events are drawn.' : '')));
    }
    select(state.detail);
  }
`;
