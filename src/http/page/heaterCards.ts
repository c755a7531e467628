// The page's heater cards (a fragment of the page script, inlined into it): one card per water
// heater from /api/heaters — name, mode, tank and target temperature, availability and its reason,
// the age of the last status, and the commands waiting with their age. Ages tick (data-ago and
// data-age attributes, updated by the script's tick()).

export const HEATER_CARDS_SCRIPT = String.raw`
  var MODES = {
    eco: 'Energy saver', heat_pump: 'Heat pump', high_demand: 'High demand', electric: 'Electric', off: 'Off'
  };
  var COMMAND_STATES = {
    queued: 'waiting its turn', in_flight: 'being sent', awaiting_confirmation: 'sent, waiting for the heater'
  };

  function temperature(value, unit) {
    if (typeof value !== 'number' || !isFinite(value)) return '\u2014';
    return String(Math.round(value * 10) / 10) + (unit ? ' ' + unit : '');
  }

  function modeText(heater) {
    var mode = heater.mode === null ? '\u2014' : MODES[heater.mode] || words(heater.mode);
    return heater.vacation ? 'Vacation (then ' + mode.toLowerCase() + ')' : mode;
  }

  function heaterCard(heater) {
    var card = h('article', 'card heater');
    card.setAttribute('data-heater', heater.id);
    card.setAttribute('aria-label', heater.name);
    var head = h('div', 'heater-head');
    head.appendChild(h('h3', 'heater-name', heater.name));
    var badge = h('span', 'badge ' + (heater.available ? 'tone-ok' : 'tone-bad'), heater.available ? 'Available' : 'Unavailable');
    badge.setAttribute('data-field', 'availability');
    head.appendChild(badge);
    card.appendChild(head);
    card.appendChild(h('p', 'heater-reason', heater.availability_reason));

    var list = h('dl', 'facts heater-facts');
    fact(list, 'Mode', modeText(heater)).setAttribute('data-field', 'mode');
    fact(list, 'Tank', temperature(heater.tank_temperature, heater.unit)).setAttribute('data-field', 'tank');
    fact(list, 'Target', temperature(heater.target_temperature, heater.unit)).setAttribute('data-field', 'target');
    var updated = fact(list, 'Last update', heater.last_update_ms === null ? 'no status yet' : '', heater.last_update_ms === null ? 'text-muted' : '');
    updated.setAttribute('data-field', 'updated');
    if (heater.last_update_ms !== null) updated.setAttribute('data-ago', String(heater.last_update_ms));
    card.appendChild(list);

    var queued = heater.queued;
    // null: the queue cannot list what waits per heater; show nothing rather than "none".
    if (queued === null) return card;
    var box = h('div', 'heater-queue');
    box.setAttribute('data-field', 'queue');
    if (queued.length === 0) {
      box.appendChild(h('p', 'empty', 'No commands waiting.'));
    } else {
      box.appendChild(h('h4', '', plural(queued.length, 'command') + ' waiting'));
      var ul = h('ul', 'queue');
      queued.forEach(function (command) {
        var li = h('li');
        li.appendChild(h('span', 'mono', command.description));
        var meta = h('span', 'queue-meta', (COMMAND_STATES[command.state] || words(command.state)) + ' \u00b7 for ');
        var age = h('span', '', '');
        age.setAttribute('data-age', String(command.created_ms));
        meta.appendChild(age);
        li.appendChild(meta);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    card.appendChild(box);
    return card;
  }

  function renderHeaters() {
    var grid = clear($('heaters'));
    var answer = state.heaters;
    if (!answer) return;
    if (answer.heaters.length === 0) {
      grid.appendChild(h('p', 'card empty', 'No water heaters yet: they appear once the NaviLink device list has been read.'));
      return;
    }
    answer.heaters.forEach(function (heater) { grid.appendChild(heaterCard(heater)); });
  }
`;
