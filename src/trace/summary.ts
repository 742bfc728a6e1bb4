// asthra trace summary FILE: what a trace (trace/chrome.ts) says, as plain text tables, like
// go tool trace's summaries: per function, the tasks run, their run time and their waits by
// reason; per worker, how busy it was and what it stole; the longest pauses.
//
// It reads the file the way any other reader would (only the trace-event JSON), plus what the
// writer merged or counted instead of writing (otherData.aggregated), which it adds in.

export class TraceFileError extends Error {}

interface Event {
  ph: string;
  name: string;
  cat?: string;
  tid: number;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

interface AggregatedFn {
  spawns: number;
  slices: number;
  runUs: number;
  waitUs: Record<string, number>;
  waits: Record<string, number>;
}

interface FnStats {
  /** tasks spawned (written one by one), and main's task */
  tasks: Set<number>;
  /** tasks spawned and counted, not written */
  extraTasks: number;
  slices: number;
  runUs: number;
  /** per task: its run time (individual slices only) */
  perTask: Map<number, number>;
  waitUs: Map<string, number>;
  waits: Map<string, number>;
  stillWaiting: number;
}

/** How many pauses the summary lists. */
const LONGEST_PAUSES = 5;

/** Check the parsed file is a trace asthra wrote; returns its events and metadata. */
export function readTrace(json: unknown, file: string): { events: Event[]; meta: Record<string, unknown> } {
  const bad = (why: string): TraceFileError => new TraceFileError(`'${file}' is not a trace written by asthra --trace (${why})`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('not a JSON object');
  const o = json as Record<string, unknown>;
  if (!Array.isArray(o.traceEvents)) throw bad('no traceEvents list');
  const meta = o.otherData;
  if (typeof meta !== 'object' || meta === null || (meta as Record<string, unknown>).producer !== 'asthra --trace') throw bad('no asthra metadata');
  for (const e of o.traceEvents as unknown[]) {
    const ev = e as Event;
    if (typeof ev !== 'object' || ev === null || typeof ev.ph !== 'string' || typeof ev.name !== 'string' || typeof ev.tid !== 'number') {
      throw bad(`an event without ph, name or tid: ${JSON.stringify(e).slice(0, 80)}`);
    }
    if (ev.ph !== 'M' && typeof ev.ts !== 'number') throw bad(`an event without a time: ${JSON.stringify(e).slice(0, 80)}`);
  }
  return { events: o.traceEvents as Event[], meta: meta as Record<string, unknown> };
}

/** A duration in words: microseconds below 1 ms, else milliseconds, else seconds. */
export function duration(us: number): string {
  if (us < 1000) return `${us.toFixed(1)} us`;
  if (us < 1e6) return `${(us / 1000).toFixed(2)} ms`;
  return `${(us / 1e6).toFixed(3)} s`;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function table(rows: string[][], right: Set<number>): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => '  ' + r.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
}

export function summarize(json: unknown, file: string): string {
  const { events, meta } = readTrace(json, file);
  const agg = (meta.aggregated ?? null) as { note: string; byFunction: Record<string, AggregatedFn>; byWorker: Record<string, { steals: number; stolen: number }> } | null;
  const endUs = typeof meta.endUs === 'number' ? meta.endUs : Math.max(0, ...events.filter((e) => e.ts !== undefined).map((e) => e.ts! + (e.dur ?? 0)));
  const workerNames = new Map<number, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.tid < 100) workerNames.set(e.tid, String(e.args?.name ?? `worker ${e.tid}`));

  const fns = new Map<string, FnStats>();
  const fnOf = (name: string): FnStats => {
    let s = fns.get(name);
    if (s === undefined) {
      fns.set(name, (s = { tasks: new Set(), extraTasks: 0, slices: 0, runUs: 0, perTask: new Map(), waitUs: new Map(), waits: new Map(), stillWaiting: 0 }));
    }
    return s;
  };
  const taskFn = new Map<number, string>();
  const workers = new Map<number, { busyUs: number; slices: number; steals: number; stolen: number; takes: number; first: number; last: number }>();
  const workerOf = (tid: number) => {
    let w = workers.get(tid);
    if (w === undefined) workers.set(tid, (w = { busyUs: 0, slices: 0, steals: 0, stolen: 0, takes: 0, first: Infinity, last: 0 }));
    return w;
  };
  for (const tid of workerNames.keys()) workerOf(tid);
  const pauses: { name: string; tid: number; ts: number; dur: number }[] = [];
  const timed = events.filter((e) => e.ph !== 'M').sort((a, b) => a.ts! - b.ts!);
  const openPark = new Map<number, { ts: number; reason: string }>();
  for (const e of timed) {
    const a = e.args ?? {};
    if (e.ph === 'X' && (e.cat === 'task' || e.cat === 'task.merged')) {
      const w = workerOf(e.tid);
      w.busyUs += e.dur ?? 0;
      w.slices += e.cat === 'task' ? 1 : Number(a.slices ?? 0);
      w.first = Math.min(w.first, e.ts!);
      w.last = Math.max(w.last, e.ts! + (e.dur ?? 0));
    }
    if (e.ph === 'X' && e.cat === 'task') {
      const task = Number(a.task);
      const name = String(a.fn);
      taskFn.set(task, name);
      const s = fnOf(name);
      if (task === 0) s.tasks.add(task);
      s.slices++;
      s.runUs += e.dur ?? 0;
      s.perTask.set(task, (s.perTask.get(task) ?? 0) + (e.dur ?? 0));
    } else if (e.cat === 'spawn' && e.ph === 'i') {
      taskFn.set(Number(a.task), String(a.fn));
      fnOf(String(a.fn)).tasks.add(Number(a.task));
    } else if (e.cat === 'park') {
      openPark.set(Number(a.task), { ts: e.ts!, reason: String(a.reason) });
      // a task whose spawn was counted, not written, is known by the function it parked in
      if (a.fn !== undefined && !taskFn.has(Number(a.task))) taskFn.set(Number(a.task), String(a.fn));
    } else if (e.cat === 'wake') {
      const task = Number(a.task);
      const p = openPark.get(task);
      if (p !== undefined) {
        openPark.delete(task);
        const s = fnOf(taskFn.get(task) ?? (task === 0 ? 'main' : '?'));
        s.waitUs.set(p.reason, (s.waitUs.get(p.reason) ?? 0) + (e.ts! - p.ts));
        s.waits.set(p.reason, (s.waits.get(p.reason) ?? 0) + 1);
      }
    } else if (e.cat === 'steal') {
      const w = workerOf(e.tid);
      w.steals++;
      w.stolen += Number(a.tasks ?? 0);
    } else if (e.cat === 'queue') {
      workerOf(e.tid).takes++;
    } else if (e.cat === 'gc' && e.ph === 'X') {
      pauses.push({ name: e.name, tid: e.tid, ts: e.ts!, dur: e.dur ?? 0 });
    }
  }
  // parks nobody ended: they wait until the end (a deadlock, or tasks left parked at exit)
  for (const [task, p] of openPark) {
    const s = fnOf(taskFn.get(task) ?? (task === 0 ? 'main' : '?'));
    s.waitUs.set(p.reason, (s.waitUs.get(p.reason) ?? 0) + (endUs - p.ts));
    s.waits.set(p.reason, (s.waits.get(p.reason) ?? 0) + 1);
    s.stillWaiting++;
  }
  if (agg !== null) {
    for (const [name, x] of Object.entries(agg.byFunction)) {
      const s = fnOf(name);
      s.extraTasks += x.spawns;
      s.slices += x.slices;
      s.runUs += x.runUs;
      for (const [r, us] of Object.entries(x.waitUs)) s.waitUs.set(r, (s.waitUs.get(r) ?? 0) + us);
      for (const [r, n] of Object.entries(x.waits)) s.waits.set(r, (s.waits.get(r) ?? 0) + n);
    }
    for (const [tid, x] of Object.entries(agg.byWorker)) {
      const w = workerOf(Number(tid));
      w.steals += x.steals;
      w.stolen += x.stolen;
    }
  }

  const out: string[] = [];
  const nWorkers = Number(meta.workers ?? workers.size);
  out.push(`trace of ${String(meta.program ?? '?')}: ${nWorkers} worker${nWorkers === 1 ? '' : 's'}, ${duration(endUs)} recorded`);
  if (meta.command) out.push(`  ${String(meta.command)}`);
  if (agg !== null) {
    out.push(`  note: ${agg.note}`);
    out.push('  (medians are over the tasks whose slices were written one by one)');
  }
  out.push('');
  out.push('Functions');
  const names = [...fns.keys()].sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const rows = [['function', 'tasks', 'slices', 'run total', 'run median', 'waiting (total, times)']];
  for (const name of names) {
    const s = fns.get(name)!;
    const reasons = [...s.waitUs.keys()].sort();
    const waits = reasons.map((r) => `${r} ${duration(s.waitUs.get(r)!)} (${s.waits.get(r)})`).join(', ');
    rows.push([
      name, String(s.tasks.size + s.extraTasks), String(s.slices), duration(s.runUs), duration(median([...s.perTask.values()])),
      (waits || '-') + (s.stillWaiting > 0 ? `; ${s.stillWaiting} still waiting at the end` : ''),
    ]);
  }
  out.push(...table(rows, new Set([1, 2, 3, 4])));
  out.push('');
  out.push('Workers');
  const wrows = [['worker', 'slices', 'busy', 'busy share', 'steals (tasks)', 'global takes']];
  for (const tid of [...workers.keys()].sort((a, b) => a - b)) {
    const w = workers.get(tid)!;
    const share = endUs > 0 ? (100 * w.busyUs) / endUs : 0;
    wrows.push([workerNames.get(tid) ?? `worker ${tid}`, String(w.slices), duration(w.busyUs), `${share.toFixed(1)}%`, `${w.steals} (${w.stolen})`, String(w.takes)]);
  }
  out.push(...table(wrows, new Set([1, 2, 3, 4, 5])));
  out.push('');
  out.push('Longest pauses');
  if (pauses.length === 0) {
    out.push('  no collections');
  } else {
    pauses.sort((a, b) => b.dur - a.dur || a.ts - b.ts);
    const collections = pauses.filter((p) => p.name === 'collection').length;
    const prows = [['pause', 'worker', 'at', 'length']];
    for (const p of pauses.slice(0, LONGEST_PAUSES)) prows.push([p.name, workerNames.get(p.tid) ?? String(p.tid), duration(p.ts), duration(p.dur)]);
    out.push(...table(prows, new Set([2, 3])));
    const total = pauses.filter((p) => p.name === 'collection').reduce((n, p) => n + p.dur, 0);
    out.push(`  ${collections} collection${collections === 1 ? '' : 's'}, ${duration(total)} in all`);
  }
  return out.join('\n') + '\n';
}
