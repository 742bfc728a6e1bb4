// asthra trace view FILE -o trace.html: one self-contained HTML page (no network: its script
// and data are inside it) drawing a trace's timeline: one row per worker and C thread, a box
// per slice (tasks, merged runs of short slices, collections, C calls), a tick per instant
// (spawn, park, wake-up, steal). The wheel zooms around the pointer, dragging pans, hovering a
// box shows what it was (task, function, lines, how it ended).
//
// The page draws on a canvas, and says in #status what it drew (data-slices: boxes in the
// trace, data-drawn: boxes drawn in the first, whole-trace view), which is what the test in
// headless Chromium reads.
import { readTrace } from './summary';

interface Slice {
  /** track index */
  r: number;
  ts: number;
  dur: number;
  name: string;
  cat: string;
  args: Record<string, unknown>;
}

interface Instant {
  r: number;
  ts: number;
  name: string;
  cat: string;
}

/** Everything the page draws, from a trace's events. */
function viewData(json: unknown, file: string): { title: string; tracks: string[]; slices: Slice[]; instants: Instant[]; endUs: number; note: string } {
  const { events, meta } = readTrace(json, file);
  const names = new Map<number, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(e.tid, String(e.args?.name ?? e.tid));
  for (const e of events) if (e.ph !== 'M' && !names.has(e.tid)) names.set(e.tid, `thread ${e.tid}`);
  const tids = [...names.keys()].sort((a, b) => a - b);
  const row = new Map(tids.map((t, i) => [t, i]));
  const slices: Slice[] = [];
  const instants: Instant[] = [];
  for (const e of events) {
    if (e.ph === 'X') slices.push({ r: row.get(e.tid)!, ts: e.ts!, dur: e.dur ?? 0, name: e.name, cat: e.cat ?? '', args: e.args ?? {} });
    else if (e.ph === 'i') instants.push({ r: row.get(e.tid)!, ts: e.ts!, name: e.name, cat: e.cat ?? '' });
  }
  slices.sort((a, b) => a.r - b.r || a.ts - b.ts);
  const endUs = Math.max(Number(meta.endUs ?? 0), ...slices.map((s) => s.ts + s.dur), ...instants.map((i) => i.ts));
  const agg = meta.aggregated as { note?: string } | null | undefined;
  return {
    title: `asthra trace: ${String(meta.program ?? file)}`,
    tracks: tids.map((t) => names.get(t)!),
    slices,
    instants,
    endUs,
    note: agg && agg.note ? agg.note : '',
  };
}

/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The page for a parsed trace file. */
export function traceHtml(json: unknown, file: string): string {
  const d = viewData(json, file);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(d.title)}</title>
<style>
  body { margin: 0; font: 13px system-ui, sans-serif; background: #fafafa; color: #222; }
  header { padding: 6px 10px; border-bottom: 1px solid #ddd; }
  header h1 { font-size: 15px; margin: 0 0 2px 0; }
  #status, #note { color: #555; }
  #wrap { position: relative; }
  canvas { display: block; cursor: grab; }
  #tip { position: absolute; display: none; pointer-events: none; background: #fff; border: 1px solid #999;
         padding: 4px 6px; box-shadow: 0 1px 4px rgba(0,0,0,.2); white-space: pre; font: 12px ui-monospace, monospace; }
</style>
</head>
<body>
<header>
  <h1>${escapeHtml(d.title)}</h1>
  <div id="status"></div>
  <div id="note">${escapeHtml(d.note)}</div>
  <div>wheel: zoom around the pointer · drag: pan · double-click: whole trace · hover a box: what it was</div>
</header>
<div id="wrap"><canvas id="c"></canvas><div id="tip"></div></div>
<script id="data" type="application/json">${scriptJson(d)}</script>
<script>
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var canvas = document.getElementById('c');
  var ctx = canvas.getContext('2d');
  var tip = document.getElementById('tip');
  var status = document.getElementById('status');
  var LABEL = 110, ROW = 28, TOP = 22, BOX = 18;
  var COLORS = { 'task': '#4e79a7', 'task.merged': '#9cb3cf', 'gc': '#e15759', 'ffi': '#59a14f' };
  var TICKS = { 'spawn': '#76b7b2', 'park': '#f28e2b', 'wake': '#edc948', 'steal': '#b07aa1', 'queue': '#ff9da7' };
  var end = Math.max(D.endUs, 1);
  var view = { from: 0, to: end * 1.02 };
  // slices by row, in time order, for hover look-ups
  var rows = D.tracks.map(function () { return []; });
  D.slices.forEach(function (s) { rows[s.r].push(s); });

  function width() { return canvas.width / (window.devicePixelRatio || 1); }
  function x(ts) { return LABEL + (ts - view.from) / (view.to - view.from) * (width() - LABEL - 8); }
  function tsAt(px) { return view.from + (px - LABEL) / (width() - LABEL - 8) * (view.to - view.from); }
  function fmt(us) { return us < 1000 ? us.toFixed(1) + ' us' : us < 1e6 ? (us / 1000).toFixed(2) + ' ms' : (us / 1e6).toFixed(3) + ' s'; }

  function resize() {
    var ratio = window.devicePixelRatio || 1;
    var w = Math.max(400, window.innerWidth);
    var h = TOP + D.tracks.length * ROW + 10;
    canvas.width = w * ratio; canvas.height = h * ratio;
    canvas.style.width = w + 'px'; canvas.style.height = h + 'px';
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  }

  function draw() {
    var w = width();
    ctx.clearRect(0, 0, w, canvas.height);
    ctx.font = '11px sans-serif';
    // time axis
    ctx.fillStyle = '#555';
    var span = view.to - view.from, step = Math.pow(10, Math.floor(Math.log10(span / 5)));
    if (span / step > 12) step *= 5; else if (span / step > 6) step *= 2;
    for (var t = Math.ceil(view.from / step) * step; t <= view.to; t += step) {
      var px = x(t);
      ctx.fillRect(px, TOP - 6, 1, 6);
      ctx.fillText(fmt(t), px + 2, TOP - 8);
    }
    var drawn = 0;
    D.tracks.forEach(function (name, r) {
      var y = TOP + r * ROW;
      ctx.fillStyle = r % 2 ? '#f0f0f0' : '#fff';
      ctx.fillRect(0, y, w, ROW);
      ctx.fillStyle = '#222';
      ctx.fillText(name, 6, y + 17);
      ctx.save();
      ctx.beginPath(); ctx.rect(LABEL, y, w - LABEL, ROW); ctx.clip();
      rows[r].forEach(function (s) {
        if (s.ts > view.to || s.ts + s.dur < view.from) return;
        var x0 = x(s.ts), x1 = Math.max(x0 + 1, x(s.ts + s.dur));
        ctx.fillStyle = COLORS[s.cat] || '#888';
        ctx.fillRect(x0, y + 5, x1 - x0, BOX);
        if (x1 - x0 > 40) {
          ctx.fillStyle = '#fff';
          ctx.fillText(s.name, x0 + 3, y + 17, x1 - x0 - 6);
        }
        drawn++;
      });
      ctx.restore();
    });
    D.instants.forEach(function (i) {
      if (i.ts < view.from || i.ts > view.to) return;
      ctx.fillStyle = TICKS[i.cat] || '#333';
      ctx.fillRect(x(i.ts), TOP + i.r * ROW + 1, 1.5, 5);
    });
    var plural = function (n, w) { return n + ' ' + w + (n === 1 ? '' : 's'); };
    status.textContent = plural(D.slices.length, 'slice') + ' on ' + plural(D.tracks.length, 'track') + ', ' + plural(D.instants.length, 'instant') + '; ' +
      'showing ' + fmt(view.from) + ' to ' + fmt(view.to) + ' (' + drawn + ' slices in view)';
    status.dataset.slices = String(D.slices.length);
    status.dataset.drawn = String(drawn);
    status.dataset.tasks = String(D.slices.filter(function (s) { return s.cat === 'task'; }).length);
  }

  function sliceAt(px, py) {
    var r = Math.floor((py - TOP) / ROW);
    if (r < 0 || r >= rows.length || px < LABEL) return null;
    var t = tsAt(px), slack = (view.to - view.from) / (width() - LABEL) * 2, best = null;
    rows[r].forEach(function (s) {
      if (t >= s.ts - slack && t <= s.ts + s.dur + slack && (best === null || s.dur < best.dur)) best = s;
    });
    return best;
  }

  function describe(s) {
    var lines = [s.name, fmt(s.dur) + ' from ' + fmt(s.ts)];
    Object.keys(s.args).forEach(function (k) {
      var v = s.args[k];
      lines.push(k + ': ' + (typeof v === 'object' ? JSON.stringify(v) : String(v)));
    });
    return lines.join('\\n');
  }

  var drag = null;
  canvas.addEventListener('mousedown', function (e) { drag = { x: e.offsetX, from: view.from, to: view.to }; canvas.style.cursor = 'grabbing'; });
  window.addEventListener('mouseup', function () { drag = null; canvas.style.cursor = 'grab'; });
  canvas.addEventListener('mousemove', function (e) {
    if (drag) {
      var dt = (e.offsetX - drag.x) / (width() - LABEL - 8) * (drag.to - drag.from);
      view.from = drag.from - dt; view.to = drag.to - dt;
      draw();
      return;
    }
    var s = sliceAt(e.offsetX, e.offsetY);
    if (s === null) { tip.style.display = 'none'; return; }
    tip.textContent = describe(s);
    tip.style.display = 'block';
    tip.style.left = Math.min(e.offsetX + 12, width() - 320) + 'px';
    tip.style.top = (e.offsetY + 14) + 'px';
  });
  canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    var at = tsAt(e.offsetX), k = e.deltaY > 0 ? 1.25 : 0.8;
    var from = at - (at - view.from) * k, to = at + (view.to - at) * k;
    if (to - from < 0.01) return;
    view.from = from; view.to = to;
    draw();
  }, { passive: false });
  canvas.addEventListener('dblclick', function () { view.from = 0; view.to = end * 1.02; draw(); });
  window.addEventListener('resize', function () { resize(); draw(); });
  resize();
  draw();
})();
</script>
</body>
</html>
`;
}
