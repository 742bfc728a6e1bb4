// A blocking C call made away from the workers, by an FFI thread (thread.ts) or through the C
// thread pool (cpool.ts): the parts both share. The caller's task is parked with its arguments
// still pushed on its stack; they are read from there, and the result goes into the task's own
// waiter record (VALUE, DONE), which the task reads when it runs CALL_EXTERN again after its
// wake-up (calls.ts). Nothing here allocates in the arena or takes a worker's lock.
import { writeSync } from 'fs';
import { CType, ExternProto } from '../bytecode/ctypes';
import { HEADER_BYTES, Meta } from '../heap/layout';
import { Injected, release } from '../scheduler/inject';
import { Done, W, ownWaiter, waiterValue, ww } from '../scheduler/waiter';
import { callbackAddressIn } from './callbacks';
import { Binder, CFunction, argToC, numberFromC } from './library';
import { ArenaViews } from './views';

export class OffThreadCalls {
  readonly arena: ArenaViews;
  private readonly binder: Binder;

  constructor(sab: SharedArrayBuffer, readonly externs: readonly ExternProto[], dirs: readonly string[]) {
    this.arena = new ArenaViews(sab);
    // a string result crosses as its address: the woken task copies it into the heap
    this.binder = new Binder(externs, dirs, true);
  }

  /** Extern `ext` bound on this thread. */
  fn(ext: number): CFunction {
    return this.binder.fn(ext);
  }

  /** The C arguments of a call of `ext`, read from the parked task's stack at f64 index argBase. */
  args(ext: number, argBase: number): unknown[] {
    const x = this.externs[ext];
    this.arena.refresh();
    const { i32, f64, buf } = this.arena;
    const args = new Array<unknown>(x.params.length);
    for (let k = 0; k < args.length; k++) {
      const t = x.params[k];
      const v = f64[argBase + k];
      if (t === CType.String) {
        const at = v + HEADER_BYTES;
        args[k] = buf.toString('utf8', at, at + i32[(v >>> 2) + 1]);
      } else if (t !== CType.FnPtr) {
        args[k] = argToC(t, v);
      } else if ((args[k] = callbackAddressIn(i32, f64, v)) === 0) {
        throw new Error(`callback ${v} does not exist`);
      }
    }
    return args;
  }

  /** The call made for `fiber` returned `r`. */
  complete(fiber: number, ext: number, r: unknown): void {
    const x = this.externs[ext];
    // the arena may have grown during the call
    this.arena.refresh();
    const own = ownWaiter(this.arena.i32, fiber);
    this.arena.f64[waiterValue(own)] = x.ret === CType.String ? stringAddress(r) : numberFromC(x.ret, r);
    this.arena.i32[ww(own, W.DONE)] = Done.Completed;
  }

  /** The call made for `fiber` could not be made, or threw: the task traps when it wakes. */
  fail(fiber: number, ext: number, e: unknown): void {
    this.arena.refresh();
    const own = ownWaiter(this.arena.i32, fiber);
    this.arena.f64[waiterValue(own)] = 0;
    this.arena.i32[ww(own, W.DONE)] = Done.Failed;
    writeSync(2, `asthra: the C call '${this.externs[ext].name}' failed: ${String((e as Error)?.message ?? e).split('\n')[0]}\n`);
  }
}

/** The result of a string-returning C function is bound as a char pointer (see library.ts). */
function stringAddress(r: unknown): number {
  return typeof r === 'bigint' ? Number(r) : typeof r === 'number' ? r : 0;
}

/** A blocking call taken off the FFI ring: the calling fiber, its call's number, the extern and its arguments. */
export interface RingCall {
  fiber: number;
  seq: number;
  ext: number;
  argBase: number;
}

/** Read the call in `rec` (just taken off the FFI ring) into `into`, and give the ring's record back. */
export function claimCall(i32: Int32Array, f64: Float64Array, rec: Injected, into: RingCall): RingCall {
  into.fiber = rec.target;
  into.seq = rec.arg;
  into.ext = f64[rec.args];
  into.argBase = f64[rec.args + 1];
  release(i32, rec);
  Atomics.sub(i32, Meta.FFI_PENDING, 1);
  return into;
}
