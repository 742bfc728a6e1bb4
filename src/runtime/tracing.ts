// --trace: the scheduler's events recorded into a worker's trace buffer (src/trace/), and the
// names that turn the recorded numbers back into words when the file is written.
//
// The Tracer is the SchedulerEvents object of one worker (scheduler/events.ts): the scheduler
// calls it at state changes only, so with tracing off nothing here runs and the scheduler pays
// one null test per change. What it records is read from the arena while the fiber is this
// worker's (at a slice's start and end, and at a park, before the parked fiber can be woken),
// as plain numbers; nothing is formatted until the program has ended.
//
// A million short tasks would fill memory with records (and touching fresh memory is what a
// record costs most). So once a worker has recorded its share of RECORD_LIMIT records, it
// merges: a slice shorter than TINY_US is not recorded but added to a run of short slices
// (one BlockStart/BlockEnd pair on the timeline, its counts per function in the dump), and
// spawns are counted per function instead of recorded. Longer slices, parks, wake-ups,
// collections and the rest are still recorded one by one. The file's metadata says so.
// While merging, a slice reads the clock once, at its end: it started after the worker's
// previous clock reading (the previous slice's end, or any record), so that reading bounds
// its start, and a slice shorter than TINY_US by that bound is short for sure. (After the
// worker was idle, the next slice reads the clock at its start too.) A merged slice's run time
// therefore includes the scheduler's few steps before it.
import { Module, lineAt } from '../bytecode/module';
import type { Arena } from '../heap/arena';
import { C, cw } from '../scheduler/chan';
import { SchedulerEvents, SliceEnd } from '../scheduler/events';
import { F, WaitKind, fw } from '../scheduler/fiber';
import { H, hw } from '../scheduler/handle';
import { M, mw } from '../scheduler/mutex';
import type { TraceNames } from '../trace/chrome';
import { AggregatedSlices, Ev, TraceBuffer, TraceDump } from '../trace/recorder';

/** Records kept one by one, shared among the workers, before short slices are merged. */
export const RECORD_LIMIT = 12_000;
/** A slice shorter than this (microseconds) is merged once a worker merges. */
export const TINY_US = 50;

/** What a task runs in, for the trace (task 0 runs the module's initialiser, then main). */
export class Tracer implements SchedulerEvents {
  readonly buf: TraceBuffer;
  /** the task running a slice on this worker, -1 between slices */
  private current = -1;
  /** records this worker keeps before it merges short slices */
  private readonly limit: number;
  /** merging short slices (see the header) */
  private merging = false;
  /** the slice under way while merging (recorded at its end if it was not short) */
  private sliceAt = 0;
  private sliceEntry = 0;
  private sliceFn = 0;
  private slicePc = 0;
  /** the last clock reading on this worker while merging, and whether it still bounds a
   * slice's start (not after the worker was idle) */
  private lastAt = 0;
  private lastValid = false;
  /** the run of short slices not yet recorded: its start, end and length */
  private blockAt = 0;
  private blockEnd = 0;
  private blockN = 0;
  /** by entry function + 1 (0: main's task) */
  private readonly merged: AggregatedSlices[] = [];

  constructor(private readonly arena: Arena, worker: number, origin: number, workers = 1) {
    this.buf = new TraceBuffer(worker, origin);
    this.limit = Math.floor(RECORD_LIMIT / Math.max(1, workers));
  }

  private mergedFn(fn: number): AggregatedSlices {
    let a = this.merged[fn + 1];
    if (a === undefined) this.merged[fn + 1] = a = { fn, slices: 0, runMs: 0, spawns: 0 };
    return a;
  }

  /** Record the run of short slices so far (before any other record: records stay in order). */
  private closeBlock(): void {
    if (this.blockN === 0) return;
    this.buf.recordAt(this.blockAt, Ev.BlockStart, this.blockN);
    this.buf.recordAt(this.blockEnd, Ev.BlockEnd, this.blockN);
    this.blockN = 0;
  }

  /** What this worker recorded (`copy`: to send to another thread). */
  dump(copy: boolean): TraceDump {
    this.closeBlock();
    return this.buf.dump(this.merging ? this.merged.filter((a) => a !== undefined) : null, copy);
  }

  spawn(task: number, fn: number): void {
    if (this.merging) {
      this.mergedFn(fn).spawns++;
      return;
    }
    this.buf.record(Ev.Spawn, task, fn, this.current);
  }

  sliceStart(task: number, fiber: number): void {
    const i32 = this.arena.i32;
    this.current = task;
    if (!this.merging && this.buf.length >= this.limit) this.merging = true;
    if (this.merging) {
      this.sliceAt = this.lastValid ? Math.max(this.lastAt, this.buf.last) : this.buf.now();
      this.sliceEntry = i32[fw(fiber, F.ENTRY)];
      this.sliceFn = i32[fw(fiber, F.FN)];
      this.slicePc = i32[fw(fiber, F.PC)];
      return;
    }
    this.buf.record(Ev.SliceStart, task, i32[fw(fiber, F.ENTRY)], i32[fw(fiber, F.FN)], i32[fw(fiber, F.PC)]);
  }

  sliceEnd(task: number, end: SliceEnd, fiber: number): void {
    this.current = -1;
    const i32 = this.arena.i32;
    if (this.merging) {
      const t = this.buf.now();
      this.lastAt = t;
      this.lastValid = true;
      if ((t - this.sliceAt) * 1000 < TINY_US) {
        if (this.blockN === 0) this.blockAt = this.sliceAt;
        this.blockEnd = t;
        this.blockN++;
        const a = this.mergedFn(task === 0 ? -1 : this.sliceEntry);
        a.slices++;
        a.runMs += t - this.sliceAt;
        return;
      }
      this.closeBlock();
      // records made during the slice (a park, a collection) come before its start record
      this.buf.recordAt(this.sliceAt, Ev.SliceStart, task, this.sliceEntry, this.sliceFn, this.slicePc);
    }
    // a blocked fiber may already run on another worker: its position was taken at the park
    if (end === SliceEnd.Blocked) {
      this.buf.record(Ev.SliceEnd, task, end, -1, -1);
    } else {
      this.buf.record(Ev.SliceEnd, task, end, i32[fw(fiber, F.FN)], i32[fw(fiber, F.PC)]);
    }
  }

  park(task: number, kind: WaitKind, ref: number, fiber: number): void {
    this.closeBlock();
    const i32 = this.arena.i32;
    let c = 0;
    let d = 0;
    switch (kind) {
      case WaitKind.Task:
        c = i32[hw(ref, H.TASK)];
        d = i32[hw(ref, H.FN)];
        break;
      case WaitKind.Mutex:
        c = Math.abs(i32[mw(ref, M.OWNER)]) - 1;
        d = ref;
        break;
      case WaitKind.Recv:
      case WaitKind.Send:
        c = i32[cw(ref, C.FN)];
        d = i32[cw(ref, C.PC)];
        break;
      case WaitKind.External:
        c = ref;
        break;
      default:
        break;
    }
    // a fiber parked on a mutex resumes after its lock instruction: name the lock itself
    const pc = i32[fw(fiber, F.PC)] - (kind === WaitKind.Mutex ? 1 : 0);
    this.buf.record(Ev.Park, task, kind, c, d, i32[fw(fiber, F.FN)], pc);
  }

  ready(task: number, fiber: number): void {
    this.closeBlock();
    this.buf.record(Ev.Ready, task, this.current, this.arena.i32[fw(fiber, F.WAIT_KIND)]);
  }

  steal(victim: number, n: number): void {
    this.closeBlock();
    this.buf.record(Ev.Steal, victim, n);
  }

  idle(): void {
    this.lastValid = false;
  }

  globalTake(n: number): void {
    this.closeBlock();
    this.buf.record(Ev.GlobalTake, n);
  }

  gcStart(): void {
    this.closeBlock();
    this.buf.record(Ev.GcStart);
  }

  gcEnd(): void {
    this.closeBlock();
    this.buf.record(Ev.GcEnd);
  }

  /** this worker stops the world for a collection / has released it */
  stwStart(): void {
    this.closeBlock();
    this.buf.record(Ev.StwStart);
  }

  stwEnd(): void {
    this.closeBlock();
    this.buf.record(Ev.StwEnd);
  }

  /** this worker is parked while another collects / resumes */
  stoppedStart(): void {
    this.closeBlock();
    this.buf.record(Ev.StoppedStart);
  }

  stoppedEnd(): void {
    this.closeBlock();
    this.buf.record(Ev.StoppedEnd);
  }
}

const WAIT_REASONS: Record<number, string> = {
  [WaitKind.Task]: 'task',
  [WaitKind.Mutex]: 'mutex',
  [WaitKind.Timer]: 'timer',
  [WaitKind.Select]: 'select',
  [WaitKind.External]: 'C call',
  [WaitKind.Recv]: 'channel receive',
  [WaitKind.Send]: 'channel send',
};

/** The program's names for the numbers a trace records. */
export function traceNames(m: Module): TraceNames {
  const file = m.sourceName;
  const line = (fn: number, pc: number): number => {
    const f = m.functions[fn];
    const pos = f && pc >= 0 ? lineAt(f, pc) : null;
    return pos ? pos.line : 0;
  };
  const where = (fn: number, pc: number): string => {
    const l = line(fn, pc);
    return l > 0 ? `${file}:${l}` : '';
  };
  return {
    file,
    fnName: (fn) => m.functions[fn]?.name ?? `function ${fn}`,
    taskFn: (task, fn) => (task === 0 ? 'main' : m.functions[fn]?.name ?? `function ${fn}`),
    where,
    reason: (kind) => WAIT_REASONS[kind] ?? 'blocked',
    waitsOn(kind, c, d) {
      switch (kind) {
        case WaitKind.Task: return `task ${c} (${c === 0 ? 'main' : m.functions[d]?.name ?? '?'})`;
        case WaitKind.Mutex: return `a mutex held by task ${c}`;
        case WaitKind.Recv:
        case WaitKind.Send: {
          const made = where(c, d);
          return made ? `a channel made at ${made}` : 'a channel';
        }
        case WaitKind.Timer: return 'a timer';
        case WaitKind.Select: return 'a select';
        case WaitKind.External: return m.externs[c] ? `the C function '${m.externs[c].name}'` : 'a call into C';
        default: return 'something';
      }
    },
    awaitsTask: (kind) => kind === WaitKind.Task,
    wakerBetweenSlices: (kind) => (kind === WaitKind.Timer || kind === WaitKind.Select ? 'a timer' : kind === WaitKind.External ? 'a C thread' : null),
    externName: (ext) => m.externs[ext]?.name ?? `extern ${ext}`,
  };
}
