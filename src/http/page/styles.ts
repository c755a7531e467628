// The ingress page's stylesheet: light and dark from prefers-color-scheme, one column on a phone,
// a grid of cards on wider screens, no external fonts or images.

export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f3f5f8; --card: #ffffff; --text: #18212b; --muted: #5d6877; --line: #e0e5eb; --track: #eef1f4;
  --accent: #0a6fc2; --accent-text: #ffffff; --ok: #1b873b; --ok-soft: #e3f4e8; --warn: #a35c00; --warn-soft: #fdf0dc;
  --bad: #c0261e; --bad-soft: #fde6e4; --info: #1f5fa8; --info-soft: #e3eefb; --session: #3aa65a; --drop: #d93025;
  --failure: #e8890c; --host: #7a8594; --shadow: 0 1px 2px rgba(16, 24, 40, 0.06), 0 1px 3px rgba(16, 24, 40, 0.08);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #101317; --card: #1a1f26; --text: #e7eaee; --muted: #9ba5b2; --line: #2b323b; --track: #242a32;
    --accent: #4aa3f0; --accent-text: #0b1520; --ok: #5cc97b; --ok-soft: #17301f; --warn: #f2b552; --warn-soft: #35290f;
    --bad: #ff7b70; --bad-soft: #3a1a18; --info: #7db6f5; --info-soft: #172638; --session: #46b869; --drop: #ff6257;
    --failure: #f5a53a; --host: #8c96a3; --shadow: none;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header.top {
  display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 16px;
  max-width: 1120px; margin: 0 auto; padding: 20px 16px 8px;
}
h1 { font-size: 1.35rem; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 1rem; margin: 0 0 12px; font-weight: 650; }
h3 { font-size: 1.05rem; margin: 8px 0 4px; font-weight: 650; }
h4 { font-size: 0.85rem; margin: 14px 0 4px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
.sub { margin: 2px 0 0; color: var(--muted); font-size: 0.875rem; }
main {
  display: grid; gap: 14px; max-width: 1120px; margin: 0 auto; padding: 8px 16px 16px;
  grid-template-columns: minmax(0, 1fr);
}
@media (min-width: 720px) {
  main { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .c-report { grid-column: 1 / -1; }
}
@media (min-width: 1040px) {
  main { grid-template-columns: repeat(6, minmax(0, 1fr)); }
  .c-link, .c-third, .c-report { grid-column: span 2; }
  .c-verdict { grid-column: span 4; }
}
.card {
  background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px;
  box-shadow: var(--shadow); min-width: 0;
}
main > .wide { grid-column: 1 / -1; }
.card-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 8px; }
.pill {
  display: inline-flex; align-items: center; gap: 8px; padding: 6px 14px; border-radius: 999px;
  font-weight: 600; font-size: 0.9rem; background: var(--track); color: var(--muted); white-space: nowrap;
}
.pill::before { content: ""; width: 9px; height: 9px; border-radius: 50%; background: currentColor; }
.tone-ok { background: var(--ok-soft); color: var(--ok); }
.tone-warn { background: var(--warn-soft); color: var(--warn); }
.tone-bad { background: var(--bad-soft); color: var(--bad); }
.tone-info { background: var(--info-soft); color: var(--info); }
.tone-muted { background: var(--track); color: var(--muted); }
.banner { grid-column: 1 / -1; border-radius: 10px; padding: 10px 14px; font-weight: 500; }
.banner[hidden] { display: none; }
.health-reasons { margin: 6px 0 0; padding-left: 1.2em; font-weight: 400; }
.health-reasons li { overflow-wrap: anywhere; }
.health-since { opacity: 0.8; }
dl.facts { display: grid; grid-template-columns: minmax(0, 11em) minmax(0, 1fr); gap: 6px 12px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
.text-ok { color: var(--ok); } .text-warn { color: var(--warn); } .text-bad { color: var(--bad); } .text-muted { color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; overflow-wrap: anywhere; }
.name { overflow-wrap: normal; word-break: normal; }
.verdict-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.badge { display: inline-block; border-radius: 6px; padding: 2px 8px; font-size: 0.8rem; font-weight: 650; }
.confidence { color: var(--muted); font-size: 0.85rem; }
.cause { margin: 4px 0 0; }
.summary { margin: 6px 0 0; }
.summary p { margin: 2px 0; }
ul.advice { margin: 4px 0 0; padding-left: 1.2em; }
ul.advice li { margin: 4px 0; }
details { margin-top: 12px; }
summary { cursor: pointer; color: var(--accent); font-weight: 500; }
table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
th, td { text-align: left; padding: 6px 8px 6px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; }
td.num, th.num { text-align: right; white-space: nowrap; padding-right: 0; }
.evidence td:first-child { color: var(--muted); width: 45%; overflow-wrap: anywhere; }
.evidence td:last-child { overflow-wrap: anywhere; }
.error-row { padding: 10px 0; border-bottom: 1px solid var(--line); }
.error-row:last-child { border-bottom: 0; }
.error-top { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; }
.error-name { font-weight: 600; }
.error-count { font-variant-numeric: tabular-nums; font-weight: 650; }
.bar { height: 6px; border-radius: 3px; background: var(--track); margin: 6px 0 4px; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--drop); border-radius: 3px; }
.meaning { color: var(--muted); font-size: 0.875rem; }
ul.checklist { list-style: none; margin: 0; padding: 0; }
ul.checklist li { display: grid; grid-template-columns: 26px 1fr; gap: 2px 8px; padding: 8px 0; border-bottom: 1px solid var(--line); }
ul.checklist li:last-child { border-bottom: 0; }
.check { width: 22px; height: 22px; border-radius: 50%; display: inline-flex; align-items: center; justify-content: center; font-size: 0.8rem; font-weight: 700; }
.check-detail { grid-column: 2; color: var(--muted); font-size: 0.875rem; }
.empty { color: var(--muted); background: var(--track); border-radius: 8px; padding: 14px; text-align: center; margin: 0; }
.chart { width: 100%; min-height: 82px; position: relative; }
.chart svg { display: block; width: 100%; height: auto; overflow: visible; }
.chart .axis text { fill: var(--muted); font-size: 11px; }
.chart .axis line { stroke: var(--line); }
.chart .track { fill: var(--track); }
.chart .session { fill: var(--session); }
.chart .session.ongoing { fill: var(--session); opacity: 0.75; }
.chart .drop line { stroke: var(--drop); stroke-width: 2; }
.chart .drop path { fill: var(--drop); }
.chart .failure { fill: var(--failure); }
.chart .host { fill: var(--host); }
.chart .hit { fill: transparent; cursor: pointer; }
.chart .now line { stroke: var(--muted); stroke-dasharray: 3 3; }
.chart-note { margin: 10px 0 0; }
.detail { min-height: 1.5em; margin: 8px 0 0; font-size: 0.9rem; overflow-wrap: anywhere; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin-top: 8px; color: var(--muted); font-size: 0.85rem; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; }
.legend .l-session { background: var(--session); } .legend .l-drop { background: var(--drop); width: 3px; }
.legend .l-failure { background: var(--failure); border-radius: 50%; width: 9px; height: 9px; }
.legend .l-host { background: var(--host); transform: rotate(45deg); width: 8px; height: 8px; border-radius: 1px; }
.seg { display: inline-flex; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.seg button { border: 0; background: transparent; color: var(--muted); padding: 5px 12px; font: inherit; font-size: 0.85rem; cursor: pointer; min-height: 32px; }
.seg button + button { border-left: 1px solid var(--line); }
.seg button[aria-pressed="true"] { background: var(--accent); color: var(--accent-text); }
.section-title { margin: 6px 2px 10px; }
.heater-grid { display: grid; gap: 14px; grid-template-columns: repeat(auto-fill, minmax(min(100%, 320px), 1fr)); }
.heater-head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 6px 12px; }
.heater-name { margin: 0; overflow-wrap: anywhere; }
.heater-reason { margin: 4px 0 12px; color: var(--muted); font-size: 0.875rem; }
.heater-facts { grid-template-columns: minmax(0, 7em) minmax(0, 1fr); }
.heater-queue { margin-top: 12px; }
.heater-queue h4 { margin-top: 0; }
.heater-queue .empty { padding: 8px; text-align: left; }
ul.queue { list-style: none; margin: 0; padding: 0; }
ul.queue li { display: flex; flex-direction: column; padding: 6px 0; border-bottom: 1px solid var(--line); }
ul.queue li:last-child { border-bottom: 0; }
.queue-meta { color: var(--muted); font-size: 0.85rem; }
.actions { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 12px; }
.button, button.primary {
  display: inline-flex; align-items: center; justify-content: center; min-height: 40px; padding: 8px 16px;
  border-radius: 8px; font: inherit; font-weight: 600; text-decoration: none; cursor: pointer; border: 1px solid transparent;
}
button.primary { background: var(--accent); color: var(--accent-text); }
button.primary:disabled { opacity: 0.6; cursor: progress; }
.button.secondary { background: transparent; color: var(--accent); border-color: var(--line); }
button:focus-visible, .button:focus-visible, summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.result { margin: 10px 0 0; overflow-wrap: anywhere; }
.note { color: var(--muted); font-size: 0.875rem; margin: 0; }
footer { max-width: 1120px; margin: 0 auto; padding: 4px 16px 24px; color: var(--muted); font-size: 0.8rem; }
@media (max-width: 480px) {
  header.top { padding-top: 14px; }
  main { padding: 6px 10px 12px; gap: 10px; }
  .card { padding: 14px 12px; border-radius: 10px; }
  dl.facts { grid-template-columns: minmax(0, 8.5em) minmax(0, 1fr); }
  .actions > * { flex: 1 1 100%; }
  .heater-grid { gap: 10px; }
  .seg button { padding: 5px 9px; }
}
`;
