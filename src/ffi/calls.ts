// CALL_EXTERN on a worker. A `#[non_blocking]` extern is called inline, on this thread (koffi's
// direct call: the fast path for functions like abs). Any other extern may block, so the task
// parks and the call runs on an FFI thread (pool.ts); the instruction runs again when the task
// is woken, with its arguments still pushed, and then finds the result in its own waiter record
// (the re-execution rule channel operations follow too).
import { CTYPE_INT, CType, ExternProto } from '../bytecode/ctypes';
import { INT_RANGE } from '../bytecode/inttypes';
import type { Arena } from '../heap/arena';
import { WaitKind } from '../scheduler/fiber';
import { Done, W, ownWaiter, prepareWaiter, waiterValue, ww } from '../scheduler/waiter';
import { Binder, CFunction, argToC, koffi, numberFromC } from './library';
import { callbackAddress } from './callbacks';
import { FfiThreadData, submitCall } from './pool';
import { CrashGuard, ROW_WORDS, Row } from './crash';

/** A C call that went wrong, as the task sees it (the interpreter turns it into a trap). */
export class CallError extends Error {}

/** What the worker needs from the scheduler to park a task for a C call. */
export interface ExternParking {
  /** park the running fiber in an External wait on extern `ext`; returns the park's sequence number */
  parkExternal(fiber: number, ext: number): number;
}


export class ExternCalls {
  /** per extern: 1 if its calls run on an FFI thread */
  readonly blocking: Uint8Array;
  /** the result of the call that just completed (a number, or a reference for a string) */
  result = 0;
  /** this thread's row of the crash table (crash.ts): which extern it is in, for which fiber */
  readonly crashRow: Int32Array;
  private binder: Binder | null = null;
  private readonly threadData: FfiThreadData;

  constructor(readonly externs: readonly ExternProto[], readonly arena: Arena, readonly dirs: readonly string[], readonly parking: ExternParking,
    trace?: FfiThreadData['trace'], private readonly crash: CrashGuard | null = null) {
    this.blocking = Uint8Array.from(externs, (x) => (x.blocking ? 1 : 0));
    this.crashRow = crash?.row ?? new Int32Array(ROW_WORDS);
    this.threadData = { sab: arena.sab, externs: [...externs], dirs: [...dirs], trace, crash: crash?.table };
  }

  /** The bound function of extern `ext` on this thread (bound on first use). */
  bound(ext: number): CFunction {
    if (this.binder === null) {
      // before this thread's first C call: a crash in C is reported from now on
      this.crash?.arm();
      this.binder = new Binder(this.externs, this.dirs);
    }
    // the main thread bound every extern before the program started, so this does not fail
    return this.binder.fn(ext);
  }

  /** A #[non_blocking] call, now: returns its result (a string result is copied into the heap). */
  inline(ext: number, argBase: number): number {
    const x = this.externs[ext];
    const fn = this.bound(ext);
    const f64 = this.arena.f64;
    const n = x.params.length;
    const row = this.crashRow;
    let r: unknown;
    try {
      row[Row.EXT] = ext + 1;
      row[Row.FN] = 0;
      switch (n) {
        case 0: r = fn(); break;
        case 1: r = fn(this.arg(x.params[0], f64[argBase])); break;
        case 2: r = fn(this.arg(x.params[0], f64[argBase]), this.arg(x.params[1], f64[argBase + 1])); break;
        default: {
          const args = new Array<unknown>(n);
          for (let k = 0; k < n; k++) args[k] = this.arg(x.params[k], f64[argBase + k]);
          r = fn(...args);
        }
      }
      row[Row.EXT] = 0;
    } catch (e) {
      row[Row.EXT] = 0;
      throw new CallError(`the C function '${x.name}' could not be called: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    }
    if (x.ret === CType.String) return this.heapString(x, r as string | null);
    return this.checked(x, numberFromC(x.ret, r));
  }

  private arg(t: number, v: number): unknown {
    if (t === CType.String) return this.arena.readString(v);
    if (t === CType.FnPtr) {
      const addr = callbackAddress(this.arena, v);
      if (addr === 0) throw new CallError(`callback ${v} does not exist`);
      return addr;
    }
    return argToC(t, v);
  }

  /**
   * A blocking call: true with `result` once it has completed (the instruction running again
   * after the wake-up), or false after parking `fiber` and handing the call to an FFI thread.
   */
  call(fiber: number, ext: number, argBase: number): boolean {
    const a = this.arena;
    const i32 = a.i32;
    const own = ownWaiter(i32, fiber);
    const done = i32[ww(own, W.DONE)];
    if (done !== Done.Waiting) {
      const x = this.externs[ext];
      i32[ww(own, W.DONE)] = Done.Waiting;
      const at = waiterValue(own);
      const v = a.f64[at];
      a.f64[at] = 0;
      if (done === Done.Failed) throw new CallError(`the C function '${x.name}' failed on its thread (see the message above)`);
      this.result = x.ret === CType.String ? this.heapString(x, v === 0 ? null : (koffi().decode(v, 'char', -1) as string)) : this.checked(x, v);
      return true;
    }
    // the record says what VALUE will hold (a number: the collector leaves it alone)
    prepareWaiter(i32, own, 0, WaitKind.External, -1, 0);
    const seq = this.parking.parkExternal(fiber, ext);
    submitCall(a, this.threadData, fiber, seq, ext, argBase);
    return false;
  }

  private heapString(x: ExternProto, s: string | null): number {
    if (s === null) throw new CallError(`the C function '${x.name}' returned a null string`);
    return this.arena.newString(s);
  }

  /** An integer result must fit its Asthra type exactly (a 64-bit one may not). */
  private checked(x: ExternProto, v: number): number {
    // a pointer from C is live memory, even at an address libc.free once gave back
    if (x.ret === CType.Ptr) this.arena.cmem.reissued(v);
    const int = CTYPE_INT[x.ret];
    const range = int === undefined ? null : INT_RANGE[int];
    if (range && (v < range[0] || v > range[1] || !Number.isInteger(v))) {
      throw new CallError(`the C function '${x.name}' returned ${v}, which is outside the range of its result type`);
    }
    return v;
  }
}
