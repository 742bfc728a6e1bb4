// Writing a trace as a Chrome trace-event file (the JSON object format that Perfetto and
// chrome://tracing open): https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
//
// What the file holds (pid 1 is the program; tid w is worker w, tid 100+k is C thread k):
//   X  task slices ("task 7 worker", cat task): args task, fn, start and end position, how it ended
//   X  collections (cat gc: "collection"), stopping the world and being stopped for one
//   X  blocking C calls on their C thread's track (cat ffi)
//   i  spawn, park (with what the task waits on), wake (by whom), steal, global-queue take
//   s/f flows from a spawn to the child's first slice, and from a wake-up to the woken
//      task's next slice (when the waker was running a task)
//   M  process and thread names
// and "otherData": the program, the clock, and what was aggregated.
//
// Size: a recorded event costs about 150 bytes of JSON, so a million short tasks would make
// a file of several hundred MB. The workers merge runs of short slices as they record
// (runtime/tracing.ts): each run is one "N short slices" slice here, and what it held is
// counted per function in otherData.aggregated. Past FULL_EVENTS written events, spawns,
// parks, wake-ups, steals and takes are no longer written one by one either: they are counted
// there too, with the wait time of the tasks concerned (the summary adds it all in). A park
// written before the limit still has its wake-up written, so every written park pairs with
// its wake-up.
import { closeSync, openSync, writeSync } from 'fs';
import type { CCall } from './calls';
import { EV_WORDS, Ev, TraceDump } from './recorder';

/** Events written one by one before aggregation starts. */
export const FULL_EVENTS = 200_000;
/** The longest box of merged short slices written once aggregating (ms). */
const BOX_MAX_MS = 2;
/** the tid of C thread k */
export const C_THREAD_TID0 = 100;

/** The program's names for the numbers in the records (runtime/tracing.ts). */
export interface TraceNames {
  file: string;
  fnName(fn: number): string;
  /** the function a task runs, by its entry function */
  taskFn(task: number, entry: number): string;
  /** "file:line" of pc in fn, or '' */
  where(fn: number, pc: number): string;
  /** a wait kind's short name ("channel receive", "mutex", ...) */
  reason(kind: number): string;
  /** what a park waits on, from its recorded words */
  waitsOn(kind: number, c: number, d: number): string;
  /** does a park of this kind wait for a task to end (its words name the task)? */
  awaitsTask(kind: number): boolean;
  /** who wakes a task parked so when no task was running ("a timer"), or null */
  wakerBetweenSlices(kind: number): string | null;
  externName(ext: number): string;
}

export interface TraceInput {
  workers: TraceDump[];
  calls: CCall[];
  droppedCalls: number;
  names: TraceNames;
  /** the command line that ran the program, for the metadata */
  command: string;
}

/** Per function: what was aggregated. */
export interface AggregatedFn {
  /** tasks spawned (not written one by one) */
  spawns: number;
  slices: number;
  runUs: number;
  /** wait time by reason, in microseconds */
  waitUs: Record<string, number>;
  waits: Record<string, number>;
}

export interface Aggregated {
  /** what was merged, in words */
  note: string;
  afterEvents: number;
  slices: number;
  spawns: number;
  parks: number;
  wakes: number;
  steals: number;
  globalTakes: number;
  byFunction: Record<string, AggregatedFn>;
  byWorker: Record<string, { steals: number; stolen: number }>;
}

/** How a slice ended (Ev.SliceEnd's b: the scheduler's SliceEnd numbers), in words. */
const END_NAMES = ['done', 'preempted (budget used up)', 'parked', 'yielded', 'failed'];
const SLICE_PARKED = 2;

/** A growable array of numbers indexed by task id. */
class TaskTable<T extends Float64Array | Int32Array> {
  constructor(private a: T, private readonly make: (n: number) => T) {}
  get(i: number): number {
    return i < this.a.length ? this.a[i] : 0;
  }
  set(i: number, v: number): void {
    if (i >= this.a.length) {
      const b = this.make(Math.max(i + 1, this.a.length * 2));
      b.set(this.a);
      this.a = b;
    }
    this.a[i] = v;
  }
}

/** Buffered writes to a file (a trace of a big run is written piece by piece). */
class Sink {
  private parts: string[] = [];
  private size = 0;
  private first = true;
  count = 0;
  constructor(private readonly fd: number) {}
  raw(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  event(e: object): void {
    this.json(JSON.stringify(e));
  }
  /** an event already written as JSON (the frequent kinds are formatted by hand: faster) */
  json(text: string): void {
    this.raw((this.first ? '\n' : ',\n') + text);
    this.first = false;
    this.count++;
  }
  flush(): void {
    if (this.parts.length > 0) writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Write the trace to `file` (a Chrome trace-event JSON object). */
export function writeChromeTrace(file: string, input: TraceInput): void {
  const fd = openSync(file, 'w');
  try {
    writeEvents(new Sink(fd), input);
  } finally {
    closeSync(fd);
  }
}

function writeEvents(out: Sink, input: TraceInput): void {
  const { workers, names } = input;
  // one clock: microseconds since the first thing recorded
  let t0 = Infinity;
  let tEnd = -Infinity;
  for (const d of workers) {
    if (d.times.length > 0) {
      t0 = Math.min(t0, d.times[0]);
      tEnd = Math.max(tEnd, d.times[d.times.length - 1]);
    }
  }
  for (const c of input.calls) {
    t0 = Math.min(t0, c.start);
    tEnd = Math.max(tEnd, c.end);
  }
  if (t0 === Infinity) t0 = tEnd = 0;
  const us = (t: number): number => r3((t - t0) * 1000);
  // JSON strings of names and positions, made once each
  const strs = new Map<string, string>();
  const str = (s: string): string => {
    let j = strs.get(s);
    if (j === undefined) strs.set(s, (j = JSON.stringify(s)));
    return j;
  };
  const wheres = new Map<number, string>();
  const where = (fn: number, pc: number): string => {
    const key = fn * 0x1000000 + pc;
    let j = wheres.get(key);
    if (j === undefined) wheres.set(key, (j = JSON.stringify(names.where(fn, pc))));
    return j;
  };

  out.raw('{"traceEvents":[');
  out.event({ ph: 'M', name: 'process_name', pid: 1, tid: 0, args: { name: `asthra ${names.file}` } });
  for (const d of workers) {
    out.event({ ph: 'M', name: 'thread_name', pid: 1, tid: d.worker, args: { name: `worker ${d.worker}` } });
    out.event({ ph: 'M', name: 'thread_sort_index', pid: 1, tid: d.worker, args: { sort_index: d.worker } });
  }
  const cThreads = new Set(input.calls.map((c) => c.thread));
  for (const k of [...cThreads].sort((a, b) => a - b)) {
    out.event({ ph: 'M', name: 'thread_name', pid: 1, tid: C_THREAD_TID0 + k, args: { name: `C thread ${k}` } });
    out.event({ ph: 'M', name: 'thread_sort_index', pid: 1, tid: C_THREAD_TID0 + k, args: { sort_index: C_THREAD_TID0 + k } });
  }

  const agg: Aggregated = {
    note: `runs of short slices were merged as they ran (each shows as one "N short slices" slice); past ${FULL_EVENTS} written events, ` +
      'spawns, parks, wake-ups, steals and global-queue takes were counted instead of written. The counts and times are here, by function.',
    afterEvents: FULL_EVENTS, slices: 0, spawns: 0, parks: 0, wakes: 0, steals: 0, globalTakes: 0,
    byFunction: {}, byWorker: {},
  };
  let aggregating = false;
  const fnAgg = (fn: string): AggregatedFn =>
    (agg.byFunction[fn] ??= { spawns: 0, slices: 0, runUs: 0, waitUs: {}, waits: {} });
  const writeBox = (s: { boxAt: number; boxEnd: number; boxN: number }, tid: number): void => {
    out.event({
      ph: 'X', cat: 'task.merged', name: `${s.boxN} short slices`, pid: 1, tid, ts: us(s.boxAt), dur: r3((s.boxEnd - s.boxAt) * 1000),
      args: { slices: s.boxN, note: 'short slices merged while recording (see otherData.aggregated)' },
    });
    s.boxAt = -1;
    s.boxN = 0;
  };
  let merged = false;
  for (const d of workers) {
    if (d.aggregated === null) continue;
    merged = true;
    for (const x of d.aggregated) {
      const fa = fnAgg(x.fn < 0 ? 'main' : names.fnName(x.fn));
      fa.slices += x.slices;
      fa.runUs += x.runMs * 1000;
      fa.spawns += x.spawns;
      agg.slices += x.slices;
      agg.spawns += x.spawns;
    }
  }

  // per task: its entry function, a flow waiting to end at its next slice, its open park
  const entry = new TaskTable(new Int32Array(1024), (n) => new Int32Array(n));
  const flowIn = new TaskTable(new Int32Array(1024), (n) => new Int32Array(n));
  const parkAt = new TaskTable(new Float64Array(1024), (n) => new Float64Array(n));
  /** the function a task parked in (names a task whose entry was never written) */
  const parkFn = new TaskTable(new Int32Array(1024), (n) => new Int32Array(n));
  /** the park's wait kind + 1 (0: not parked); negative when the park was not written */
  const parkKind = new TaskTable(new Int32Array(1024), (n) => new Int32Array(n));
  /** for a park on a task's end: that task (it wakes its awaiters as it finishes) */
  const parkTarget = new TaskTable(new Int32Array(1024), (n) => new Int32Array(n));
  let flowIds = 0;

  // per worker: the open slice, collections, stops, the last park's position, a run of tiny slices
  interface WorkerState {
    sliceAt: number; task: number; fn: number; startAt: string;
    gcAt: number; stwAt: number; stoppedAt: number; parkWhere: string; blockAt: number;
    /** a merged run being written, widened by the next ones while aggregating (boxAt < 0: none) */
    boxAt: number; boxEnd: number; boxN: number;
  }
  const ws: WorkerState[] = workers.map(() => ({
    sliceAt: -1, task: 0, fn: 0, startAt: '""', gcAt: -1, stwAt: -1, stoppedAt: -1, parkWhere: '""', blockAt: -1, boxAt: -1, boxEnd: 0, boxN: 0,
  }));

  // all workers' records in time order (each buffer is already in order: a k-way merge)
  const pos = workers.map(() => 0);
  for (;;) {
    let best = -1;
    let bt = Infinity;
    for (let k = 0; k < workers.length; k++) {
      const p = pos[k];
      if (p < workers[k].times.length && workers[k].times[p] < bt) {
        bt = workers[k].times[p];
        best = k;
      }
    }
    if (best < 0) break;
    const d = workers[best];
    const i = pos[best]++;
    const tid = d.worker;
    const s = ws[best];
    const w = d.words;
    const k = i * EV_WORDS;
    const a = w[k + 1];
    const b = w[k + 2];
    const c = w[k + 3];
    const dd = w[k + 4];
    const t = d.times[i];
    if (!aggregating && out.count >= FULL_EVENTS) aggregating = true;
    switch (w[k] as Ev) {
      case Ev.SliceStart: {
        s.sliceAt = t;
        s.task = a;
        s.fn = b;
        s.startAt = where(c, dd);
        entry.set(a, b + 1);
        const f = flowIn.get(a);
        if (f !== 0) {
          flowIn.set(a, 0);
          out.json(`{"ph":"f","bp":"e","cat":"flow","name":"${f > 0 ? 'spawn' : 'wake'}","id":${Math.abs(f)},"pid":1,"tid":${tid},"ts":${us(t)}}`);
        }
        break;
      }
      case Ev.SliceEnd: {
        if (s.sliceAt < 0) break;
        if (s.boxAt >= 0) writeBox(s, tid);
        const fn = str(names.taskFn(a, s.fn));
        const endAt = b === SLICE_PARKED ? s.parkWhere : where(c, dd);
        out.json(`{"ph":"X","cat":"task","name":${str(`task ${a} ${names.taskFn(a, s.fn)}`)},"pid":1,"tid":${tid},"ts":${us(s.sliceAt)},` +
          `"dur":${r3((t - s.sliceAt) * 1000)},"args":{"task":${a},"fn":${fn},"start":${s.startAt},"end":${str(END_NAMES[b] ?? String(b))}` +
          `${endAt !== '""' ? `,"endAt":${endAt}` : ''}}}`);
        s.sliceAt = -1;
        s.parkWhere = '""';
        break;
      }
      case Ev.Spawn: {
        entry.set(a, b + 1);
        if (aggregating) {
          agg.spawns++;
          fnAgg(names.taskFn(a, b)).spawns++;
          break;
        }
        out.json(`{"ph":"i","s":"t","cat":"spawn","name":"spawn task ${a}","pid":1,"tid":${tid},"ts":${us(t)},` +
          `"args":{"task":${a},"fn":${str(names.taskFn(a, b))},"by":"${c >= 0 ? `task ${c}` : 'the runtime'}"}}`);
        if (c >= 0) {
          const id = ++flowIds;
          flowIn.set(a, id);
          out.json(`{"ph":"s","cat":"flow","name":"spawn","id":${id},"pid":1,"tid":${tid},"ts":${us(t)}}`);
        }
        break;
      }
      case Ev.Park: {
        const at = names.where(w[k + 5], w[k + 6]);
        s.parkWhere = JSON.stringify(at);
        parkAt.set(a, t);
        parkFn.set(a, w[k + 5]);
        if (aggregating) {
          parkKind.set(a, -(b + 1));
          agg.parks++;
          break;
        }
        parkKind.set(a, b + 1);
        if (names.awaitsTask(b)) parkTarget.set(a, c);
        const reason = names.reason(b);
        out.event({ ph: 'i', s: 't', cat: 'park', name: `park: ${reason}`, pid: 1, tid, ts: us(t), args: { task: a, fn: names.taskFn(a, entry.get(a) > 0 ? entry.get(a) - 1 : w[k + 5]), reason, on: names.waitsOn(b, c, dd), ...(at ? { at } : {}) } });
        break;
      }
      case Ev.Ready: {
        const pk = parkKind.get(a);
        parkKind.set(a, 0);
        if (pk < 0) {
          // its park was aggregated: so is its wait
          const reason = names.reason(-pk - 1);
          // a task whose spawn and slices were merged has no entry known: name it by where it parked
          const known = entry.get(a) - 1;
          const fa = fnAgg(names.taskFn(a, known >= 0 ? known : parkFn.get(a)));
          fa.waitUs[reason] = (fa.waitUs[reason] ?? 0) + (t - parkAt.get(a)) * 1000;
          fa.waits[reason] = (fa.waits[reason] ?? 0) + 1;
          agg.wakes++;
          break;
        }
        // a task ending wakes its awaiters just after its last slice; a timer and a C thread
        // wake between slices too
        const by = b >= 0 ? `task ${b}` : names.awaitsTask(c) ? `task ${parkTarget.get(a)} (ending)` : names.wakerBetweenSlices(c) ?? 'the runtime';
        out.event({ ph: 'i', s: 't', cat: 'wake', name: `wake task ${a}`, pid: 1, tid, ts: us(t), args: { task: a, by } });
        if (b >= 0 && s.sliceAt >= 0) {
          const id = ++flowIds;
          flowIn.set(a, -id);
          out.event({ ph: 's', cat: 'flow', name: 'wake', id, pid: 1, tid, ts: us(t) });
        }
        break;
      }
      case Ev.Steal: {
        if (aggregating) {
          agg.steals++;
          const bw = (agg.byWorker[String(tid)] ??= { steals: 0, stolen: 0 });
          bw.steals++;
          bw.stolen += b;
          break;
        }
        out.event({ ph: 'i', s: 't', cat: 'steal', name: `steal ${b} from worker ${a}`, pid: 1, tid, ts: us(t), args: { victim: a, tasks: b } });
        break;
      }
      case Ev.GlobalTake:
        if (aggregating) {
          agg.globalTakes++;
          break;
        }
        out.event({ ph: 'i', s: 't', cat: 'queue', name: `global queue: took ${a}`, pid: 1, tid, ts: us(t), args: { tasks: a } });
        break;
      case Ev.BlockStart:
        s.blockAt = t;
        break;
      case Ev.BlockEnd:
        if (s.blockAt >= 0) {
          // past FULL_EVENTS, runs of short slices on one worker that nothing written separates
          // become one box (up to BOX_MAX_MS long): the parks and wake-ups between them are counted
          if (s.boxAt >= 0 && (!aggregating || t - s.boxAt > BOX_MAX_MS)) writeBox(s, tid);
          if (s.boxAt < 0) s.boxAt = s.blockAt;
          s.boxEnd = t;
          s.boxN += a;
          if (!aggregating) writeBox(s, tid);
        }
        s.blockAt = -1;
        break;
      case Ev.GcStart:
        s.gcAt = t;
        break;
      case Ev.GcEnd:
        if (s.gcAt >= 0) {
          out.event({ ph: 'X', cat: 'gc', name: 'collection', pid: 1, tid, ts: us(s.gcAt), dur: r3((t - s.gcAt) * 1000), args: {} });
        }
        s.gcAt = -1;
        break;
      case Ev.StwStart:
        s.stwAt = t;
        break;
      case Ev.StwEnd:
        if (s.stwAt >= 0) {
          out.event({ ph: 'X', cat: 'gc', name: 'stop the world', pid: 1, tid, ts: us(s.stwAt), dur: r3((t - s.stwAt) * 1000), args: {} });
        }
        s.stwAt = -1;
        break;
      case Ev.StoppedStart:
        s.stoppedAt = t;
        break;
      case Ev.StoppedEnd:
        if (s.stoppedAt >= 0) {
          out.event({ ph: 'X', cat: 'gc', name: 'stopped for a collection', pid: 1, tid, ts: us(s.stoppedAt), dur: r3((t - s.stoppedAt) * 1000), args: {} });
        }
        s.stoppedAt = -1;
        break;
    }
  }
  for (let k = 0; k < ws.length; k++) {
    const s = ws[k];
    if (s.boxAt >= 0) writeBox(s, workers[k].worker);
    // a slice still open at the end (an internal error stopped the worker mid-slice)
    if (s.sliceAt >= 0) {
      out.event({
        ph: 'X', cat: 'task', name: `task ${s.task} ${names.taskFn(s.task, s.fn)}`, pid: 1, tid: workers[k].worker, ts: us(s.sliceAt),
        dur: r3((tEnd - s.sliceAt) * 1000), args: { task: s.task, fn: names.taskFn(s.task, s.fn), start: JSON.parse(s.startAt) as string, end: 'still running at exit' },
      });
    }
  }
  for (const call of input.calls) {
    const fn = names.externName(call.ext);
    out.event({
      ph: 'X', cat: 'ffi', name: `C ${fn}`, pid: 1, tid: C_THREAD_TID0 + call.thread, ts: us(call.start), dur: r3((call.end - call.start) * 1000),
      args: { function: fn, task: call.task },
    });
  }
  out.raw('\n],\n"displayTimeUnit":"ns",\n"otherData":');
  out.raw(JSON.stringify({
    producer: 'asthra --trace',
    program: names.file,
    command: input.command,
    workers: workers.length,
    clock: 'microseconds since the first recorded event, one clock for every thread',
    endUs: us(tEnd),
    aggregated: aggregating || merged ? agg : null,
    droppedCCalls: input.droppedCalls,
  }));
  out.raw('}\n');
  out.flush();
}
