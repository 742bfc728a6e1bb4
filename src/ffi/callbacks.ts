// Callbacks from C (Go's cgocallback, in this VM's terms). An extern's `fn(...) -> T` parameter
// takes the name of an Asthra function; C gets a real C function pointer for it and may call it
// from any thread, during the extern call or long after. Asthra code runs only on workers, so a
// call from C becomes a task: the pointer leads (through koffi) to the callback thread, which
// pushes CALLBACK onto the injection queue; a worker starts the task; a callback that returns a
// value makes its C caller wait until the task has finished and written its result to a reply
// slot (handle.ts), a `void` one returns at once.
//
// The callback thread exists because koffi runs a JS callback on the thread that registered it,
// and a call from any other thread waits for that thread's event loop: the workers' loops never
// return to their event loops, and an FFI thread may itself sit in the C call that calls back.
// So one thread that does nothing else registers every callback when the program starts and
// keeps its event loop free. It takes one value-returning call at a time (a C caller waits for
// the task), and void calls as fast as it can queue them.
//
// The callback block (Meta.CB_TABLE; header aux = the number of callbacks n): n f64 C
// addresses, then REPLY_SLOTS reply slots.
import * as path from 'path';
import type { CallbackProto } from '../bytecode/ctypes';
import type { Arena } from '../heap/arena';
import { HDR_AUX, HEADER_BYTES, Meta, Tag } from '../heap/layout';

/** Reply slots in the callback block. */
export const REPLY_SLOTS = 8;
/** How long the program waits for the callback thread to register the callbacks. */
const START_TIMEOUT_MS = 30000;

/** What the callback thread is given. */
export interface CallbackThreadData {
  sab: SharedArrayBuffer;
  callbacks: CallbackProto[];
  /** per callback: its function's name (for reports) */
  names: string[];
}

export class CallbackSetupError extends Error {}

let started = false;

/**
 * Has this process started a callback thread? Then it must end with _exit (see endProcess): a
 * C thread may still be calling back, and the normal exit tears down the thread koffi routes
 * those calls through while they are in flight (the process would abort).
 */
export function callbacksStarted(): boolean {
  return started;
}

/**
 * Before any worker starts, for a program that passes callbacks to C: make the callback block,
 * start the callback thread and wait until every callback has its C address. While C may call
 * back, work may arrive at any time, so the deadlock check never calls the program stuck (Meta.
 * EXTERNAL stays above 0), as Go's does not once cgo callbacks are possible.
 */
export function setUpCallbacks(arena: Arena, callbacks: readonly CallbackProto[], names: string[]): void {
  if (callbacks.length === 0) return;
  const i32 = arena.i32;
  i32[Meta.CB_TABLE] = arena.alloc(Tag.STACK, callbacks.length * 8 + REPLY_SLOTS * 16, callbacks.length);
  Atomics.add(i32, Meta.EXTERNAL, 1);
  const { Worker } = require('worker_threads') as typeof import('worker_threads');
  const data: CallbackThreadData = { sab: arena.sab, callbacks: [...callbacks], names };
  const w = new Worker(path.join(__dirname, 'cbthread.js'), { workerData: data, stdout: false, stderr: false });
  w.unref();
  started = true;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Atomics.load(i32, Meta.CB_READY) === 0 && Date.now() < deadline) Atomics.wait(i32, Meta.CB_READY, 0, 50);
  const state = Atomics.load(i32, Meta.CB_READY);
  if (state !== 1) throw new CallbackSetupError(state === 0 ? 'the callback thread did not start' : 'the callbacks could not be registered with koffi');
}

/**
 * The C address of callback k (an extern's function-pointer argument), or 0 when k is not one
 * (a bytecode file can pass any number there: the caller reports it rather than hand C garbage).
 */
export function callbackAddress(arena: Arena, k: number): number {
  return callbackAddressIn(arena.i32, arena.f64, k);
}

export function callbackAddressIn(i32: Int32Array, f64: Float64Array, k: number): number {
  const block = i32[Meta.CB_TABLE];
  if (block === 0 || !Number.isInteger(k) || k < 0 || k >= i32[(block >>> 2) + HDR_AUX]) return 0;
  return f64[((block + HEADER_BYTES) >>> 3) + k];
}
