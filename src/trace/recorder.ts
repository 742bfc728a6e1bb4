// The execution trace as it is recorded: one TraceBuffer per worker thread, written by that
// thread only (no atomics, no locks), read once the program has ended (trace/chrome.ts turns
// the buffers into a trace-event file).
//
// A record is a time, its kind and six int32 words; what the words mean depends on the record's kind
// (Ev below). The recorder knows nothing of the runtime: the words are the numbers the
// runtime hands it (task ids, function indices, program counters, wait kinds), and the runtime
// names them when the file is written (TraceNames in chrome.ts). Records are appended to
// typed arrays that double when full, so recording costs a clock read and a few stores.
//
// One clock across threads: a thread's performance.now() counts from that thread's own start,
// so each buffer adds the offset between its thread's time origin and the main thread's
// (both are wall-clock instants measured by the same process clock).

/** What happened (the record's kind). Words a..f are listed for each. */
export const enum Ev {
  /** a task starts a slice: a=task, b=entry function, c=current function, d=pc */
  SliceStart = 1,
  /** the slice ended: a=task, b=how (SliceEnd, 4 = failed), c=function, d=pc (-1: unknown) */
  SliceEnd = 2,
  /** a task was spawned: a=child task, b=its function, c=spawning task (-1: none) */
  Spawn = 3,
  /** a task parked: a=task, b=wait kind, c,d=what it waits on (kind-specific), e=function, f=pc */
  Park = 4,
  /** a parked task was readied: a=task, b=waker task (-1: none), c=the wait kind it ended */
  Ready = 5,
  /** this worker stole: a=victim worker, b=tasks taken */
  Steal = 6,
  /** this worker took work from the global queue: a=tasks taken */
  GlobalTake = 7,
  /** a collection on this worker: start / end */
  GcStart = 8,
  GcEnd = 9,
  /** this worker stops the world (waits for the others, collects, releases them) */
  StwStart = 10,
  StwEnd = 11,
  /** this worker is stopped while another collects */
  StoppedStart = 12,
  StoppedEnd = 13,
  /** a run of short slices, merged (see AggregatedSlices): its start (a=slices) and end */
  BlockStart = 14,
  BlockEnd = 15,
}

/** int32 words per record: the kind, then a..f */
export const EV_WORDS = 7;

const INITIAL_RECORDS = 4096;

/** Per entry function: what a worker merged instead of recording it record by record. */
export interface AggregatedSlices {
  fn: number;
  slices: number;
  /** run time of those slices, ms */
  runMs: number;
  /** tasks running fn spawned while merging (not recorded one by one) */
  spawns: number;
}

/** One worker's records, ready to cross to another thread (structured clone copies them). */
export interface TraceDump {
  worker: number;
  /** milliseconds on the main thread's clock */
  times: Float64Array;
  words: Int32Array;
  /** null if this worker recorded everything one by one */
  aggregated: AggregatedSlices[] | null;
}

export class TraceBuffer {
  private times = new Float64Array(INITIAL_RECORDS);
  private words = new Int32Array(INITIAL_RECORDS * EV_WORDS);
  private n = 0;
  /** the latest time recorded */
  last = 0;
  /** this thread's clock minus the main thread's, in ms */
  private readonly offset: number;

  /** `origin`: the main thread's performance.timeOrigin */
  constructor(readonly worker: number, origin: number) {
    this.offset = performance.timeOrigin - origin;
  }

  /** The main thread's clock, in ms. */
  now(): number {
    return performance.now() + this.offset;
  }

  get length(): number {
    return this.n;
  }

  record(kind: Ev, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0): void {
    this.recordAt(performance.now() + this.offset, kind, a, b, c, d, e, f);
  }

  /** A record of something that happened at `time` (main clock, ms), not earlier than the last. */
  recordAt(time: number, kind: Ev, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0): void {
    const i = this.n;
    if (i === this.times.length) this.grow();
    this.times[i] = time;
    if (time > this.last) this.last = time;
    const w = this.words;
    const k = i * EV_WORDS;
    w[k] = kind;
    w[k + 1] = a;
    w[k + 2] = b;
    w[k + 3] = c;
    w[k + 4] = d;
    w[k + 5] = e;
    w[k + 6] = f;
    this.n = i + 1;
  }

  private grow(): void {
    const t = new Float64Array(this.times.length * 2);
    t.set(this.times);
    this.times = t;
    const w = new Int32Array(this.words.length * 2);
    w.set(this.words);
    this.words = w;
  }

  /** The records (views of this buffer, or copies with `copy`: to send them to another thread). */
  dump(aggregated: AggregatedSlices[] | null, copy: boolean): TraceDump {
    const n = this.n;
    return copy
      ? { worker: this.worker, times: this.times.slice(0, n), words: this.words.slice(0, n * EV_WORDS), aggregated }
      : { worker: this.worker, times: this.times.subarray(0, n), words: this.words.subarray(0, n * EV_WORDS), aggregated };
  }
}
