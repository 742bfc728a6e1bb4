// The callback thread (callbacks.ts): registers every callback with koffi, publishes their C
// addresses, and turns each call from C into a task through the injection queue.
import { writeSync } from 'fs';
import { workerData } from 'worker_threads';
import { CTYPE_KOFFI, CType } from '../bytecode/ctypes';
import { HEADER_BYTES, Meta } from '../heap/layout';
import { replySlotState, replySlotValue } from '../scheduler/handle';
import { InjectKind, inject } from '../scheduler/inject';
import { Finish } from '../scheduler/scheduler';
import type { CallbackThreadData } from './callbacks';
import { koffi } from './library';
import { ArenaViews } from './views';

const data = workerData as CallbackThreadData;
const arena = new ArenaViews(data.sab);
let { i32, f64 } = arena;

function views(): void {
  arena.refresh();
  ({ i32, f64 } = arena);
}

function ended(): boolean {
  return Atomics.load(i32, Meta.DONE) !== Finish.Running;
}

let lateReported = false;

/** A call from C of callback k with C arguments `args`. */
function call(k: number, args: unknown[]): unknown {
  views();
  const cb = data.callbacks[k];
  if (ended()) {
    if (!lateReported) {
      lateReported = true;
      writeSync(2, `asthra: a call from C of '${data.names[k]}' arrived after the program ended; it was not run\n`);
    }
    return cb.ret === CType.Bool ? false : 0;
  }
  const vals = args.map((v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? (v ? 1 : 0) : v === null || v === undefined ? 0 : (v as number)));
  if (cb.ret === CType.Void) {
    inject(i32, f64, InjectKind.Callback, cb.fn, vals.length, vals);
    return undefined;
  }
  // one value-returning call at a time on this thread: reply slot 0 is free
  const state = replySlotState(i32, 0);
  Atomics.store(i32, state, 0);
  inject(i32, f64, InjectKind.Callback, cb.fn, vals.length | (1 << 8), vals);
  while (Atomics.load(i32, state) === 0) {
    if (ended()) return cb.ret === CType.Bool ? false : 0;
    Atomics.wait(i32, state, 0, 100);
  }
  views();
  const v = Atomics.load(i32, state) === 1 ? f64[replySlotValue(i32, 0)] : 0;
  return cb.ret === CType.Bool ? v !== 0 : v;
}

function main(): void {
  views();
  const table = (i32[Meta.CB_TABLE] + HEADER_BYTES) >>> 3;
  try {
    const k = koffi();
    data.callbacks.forEach((cb, i) => {
      const proto = k.proto(`asthra_cb_${i}`, CTYPE_KOFFI[cb.ret], [...cb.params].map((t) => CTYPE_KOFFI[t]));
      const ptr = k.register((...args: unknown[]) => call(i, args), k.pointer(proto));
      f64[table + i] = Number(ptr);
    });
  } catch (e) {
    writeSync(2, `asthra: cannot register the callbacks: ${String((e as Error)?.message ?? e)}\n`);
    Atomics.store(i32, Meta.CB_READY, 2);
    Atomics.notify(i32, Meta.CB_READY);
    return;
  }
  Atomics.store(i32, Meta.CB_READY, 1);
  Atomics.notify(i32, Meta.CB_READY);
  // Keep the event loop alive for good (koffi delivers calls from other threads through it): a
  // C thread may call back until the process ends, and a call into a thread that has left its
  // loop would crash the process (koffi has no isolate to run it on). The thread is unref'd, so
  // it never keeps the process alive; the program ends with _exit.
  setInterval(() => {}, 1 << 30);
}

main();
