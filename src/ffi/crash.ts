// Reports of a C call that crashes the process: "the program crashed inside the C function
// 'name' (extern declared at file:line)", with the calling task's Asthra stack, written to
// stderr before the process ends the way the signal ends it (killed by SIGSEGV, status 139 in a
// shell), as Python's faulthandler does.
//
// Node gives JavaScript no handler for SIGSEGV, SIGBUS, SIGFPE, SIGILL or SIGABRT, so the
// handler is a koffi callback installed with libc's sigaction. Why it runs on a thread of its
// own (the watch thread, runtime/crashwatch.ts) and not on the thread that faulted:
//  - A signal disposition belongs to the process, not to a thread: one handler address serves
//    every thread.
//  - koffi runs a callback synchronously only on the thread that registered it, and only while
//    that thread is inside a koffi call on koffi's own stack; from any other thread it queues the
//    call to the registering thread's event loop and waits. The workers and FFI threads never
//    return to their event loops, so a handler registered on one of them would leave a fault on
//    any other thread waiting for ever.
//  So the watch thread registers the handler and keeps its event loop free, like the callback
//  thread. The faulting thread waits inside the handler (on its alternate signal stack: a stack
//  overflow in C is reported too) while the watch thread writes the report, then the default
//  action ends the process (SA_RESETHAND: a second fault, or one during the report, just kills).
//
// Which thread faulted, and in which extern: every thread that calls C (a worker for
// #[non_blocking] externs, an FFI thread for the others) owns a row of the crash table, a
// SharedArrayBuffer of its own. Before each call it writes the extern's number into its row and
// clears it after (two int32 stores: the cost of this whole scheme per call); once, it gives
// itself an alternate signal stack from C memory and records where it is. The kernel builds the
// signal frame, the siginfo the handler gets a pointer to, on the faulting thread's alternate
// stack, so that pointer names the row. The C thread pool's libuv threads (cpool.ts) have no
// row: a fault on a thread with no row while pool calls run is taken to be theirs, told apart by
// the faulting instruction's function where several run (runtime/crashwatch.ts culprits). A
// fault on a thread with no row and no pool call (a V8 thread, a thread C started), or on one
// that is not inside an extern call, is none of ours: the handler puts back the action it
// replaced and returns, and the fault happens again under that action (Node's own, or the
// default), as if the handler had never been there.
//
// Platforms: Linux on x86-64 and arm64 (the layouts of struct sigaction and stack_t below are
// those of glibc and musl there). Elsewhere nothing is installed and a crash ends the process
// unreported, as before.
import { readFileSync } from 'fs';
import * as os from 'os';
import { MAX_FFI_THREADS, MAX_WORKERS } from '../heap/layout';
import type { ExternProto } from '../bytecode/ctypes';
import { koffi, type CFunction } from './library';

/** The signals a crashing C function raises, handled while the program runs. */
export const CRASH_SIGNALS: readonly number[] = ['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGABRT']
  .map((s) => os.constants.signals[s as keyof typeof os.constants.signals]);

/** Is the handler available here (see the platforms above)? */
export const CRASH_REPORTS_SUPPORTED = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');

/** struct sigaction (Linux, glibc and musl, x86-64 and arm64): handler, 128-byte mask, int flags, restorer. */
export const SIGACTION_BYTES = 152;
export const SA_FLAGS_AT = 136;
export const SA_SIGINFO = 0x4;
export const SA_ONSTACK = 0x08000000;
export const SA_RESETHAND = 0x80000000;
/** stack_t: ss_sp, int ss_flags, ss_size. */
const STACK_T_BYTES = 24;
/** Each calling thread's alternate signal stack (the handler's frame and koffi's relay only). */
export const ALT_STACK_BYTES = 64 * 1024;

/** The table header (int32 words). */
export const enum Crash {
  /** 0 while the watch thread starts, then ARMED or UNAVAILABLE (or DISARMED at the end) */
  STATE = 0,
  /** 1 while a thread installs or removes a handler (installHandler, disarm) */
  LOCK = 1,
  /** 1 once the main thread's own handler is in place (CrashGuard.armOnMain) */
  INTERIM = 2,
  /** 1 once the watch thread has loaded koffi (or failed to start): see CrashWatch.starting */
  UP = 3,
}
export const ARMED = 1;
export const UNAVAILABLE = 2;
export const DISARMED = 3;
/** Where the actions the handler replaced are kept (one SIGACTION_SLOT per CRASH_SIGNALS entry). */
export const OLD_ACTIONS_AT = 64;
export const SIGACTION_SLOT = 160;
/** The rows: MAX_WORKERS for the workers (by index), then MAX_FFI_THREADS for FFI threads. */
const ROWS_AT = 1024;
const ROW_BYTES = 64;
export const CRASH_ROWS = MAX_WORKERS + MAX_FFI_THREADS;
const TABLE_BYTES = ROWS_AT + CRASH_ROWS * ROW_BYTES;

/** A row's int32 words. */
export const enum Row {
  /** 1 while a thread owns the row */
  TAKEN = 0,
  /** the extern being called + 1; 0 outside C calls */
  EXT = 1,
  /** the fiber of the task making the call */
  FIBER = 2,
  /** native code's calls: the calling function + 1, and the call's pc (0: the fiber's frames say) */
  FN = 3,
  PC = 4,
}
/** A row's f64 slots (after the int32 words): its alternate stack's address and size. */
export const enum RowF64 {
  ALT_BASE = 4,
  ALT_SIZE = 5,
}
export const ROW_WORDS = ROW_BYTES / 4;

/** Where row r starts, as an int32 index and as an f64 index of the table. */
export function rowWord(r: number): number {
  return (ROWS_AT + r * ROW_BYTES) >> 2;
}
export function rowSlot(r: number): number {
  return (ROWS_AT + r * ROW_BYTES) >> 3;
}

/** What the watch thread is given when it starts. */
export interface WatchThreadData {
  table: SharedArrayBuffer;
  port: import('worker_threads').MessagePort;
}

/** What the watch thread is told once the program is loaded (it reads names and stacks from them). */
export interface WatchAttach {
  sab: SharedArrayBuffer;
  astb: Uint8Array;
  /** the C thread pool's externs, library directories and trace log, if it is to serve one */
  pool: { externs: ExternProto[]; dirs: string[]; trace?: { log: SharedArrayBuffer; origin: number } } | null;
}

/** How long a thread's first C call waits for the handler to be installed. */
const ARM_TIMEOUT_MS = 5000;

/**
 * The watch thread of one run: started as early as possible (the CLI starts it before compiling
 * a source that mentions `extern`, so its start-up overlaps the compiler's), attached once the
 * program's arena exists, disarmed when the program has ended.
 */
export class CrashWatch {
  readonly table = new SharedArrayBuffer(TABLE_BYTES);
  private readonly i32 = new Int32Array(this.table);
  private port: import('worker_threads').MessagePort | null = null;

  /** `entry`: the watch thread's script (runtime/crashwatch.js: CRASH_WATCH_ENTRY) */
  constructor(entry: string) {
    if (!CRASH_REPORTS_SUPPORTED) {
      this.i32[Crash.STATE] = UNAVAILABLE;
      return;
    }
    const { Worker, MessageChannel } = require('worker_threads') as typeof import('worker_threads');
    const { port1, port2 } = new MessageChannel();
    const data: WatchThreadData = { table: this.table, port: port2 };
    const w = new Worker(entry, { workerData: data, transferList: [port2], stdout: false, stderr: false });
    w.unref();
    w.on('error', () => {
      Atomics.compareExchange(this.i32, Crash.STATE, 0, UNAVAILABLE);
      Atomics.store(this.i32, Crash.UP, 1);
    });
    watches.push(this);
    port1.unref();
    this.port = port1;
  }

  /**
   * Tell the watch thread where the program is (before any of its C calls), and, with `pool`,
   * to serve the C thread pool (cpool.ts) for the program's blocking calls.
   */
  attach(sab: SharedArrayBuffer, astb: Uint8Array, pool: WatchAttach['pool']): void {
    const msg: WatchAttach = { sab, astb, pool };
    this.port?.postMessage(msg);
  }

  /**
   * Is the watch thread still starting up (loading koffi)? The process must not end the normal
   * way then: Node aborts tearing down a thread in the middle of a native module's set-up. The
   * CLI ends such a process with _exit instead (its output is written already).
   */
  starting(): boolean {
    return this.port !== null && Atomics.load(this.i32, Crash.UP) === 0;
  }

  /**
   * The program has ended: put back the actions the handler replaced, so nothing reaches the
   * watch thread while the process shuts its threads down. A watch thread still starting finds
   * the table DISARMED and installs nothing.
   */
  disarm(): void {
    const i32 = this.i32;
    withLock(i32, () => {
      const st = Atomics.load(i32, Crash.STATE);
      if (st === DISARMED) return;
      Atomics.store(i32, Crash.STATE, DISARMED);
      if (st === ARMED || i32[Crash.INTERIM] === 1) restoreActions(this.table);
    });
    this.port?.close();
  }
}

const watches: CrashWatch[] = [];

/** Is any watch thread of this process still starting (CrashWatch.starting)? */
export function watchStarting(): boolean {
  return watches.some((w) => w.starting());
}

/** Run `f` holding the table's lock (held for a few C calls at most: a spin with short waits). */
function withLock<T>(i32: Int32Array, f: () => T): T {
  while (Atomics.compareExchange(i32, Crash.LOCK, 0, 1) !== 0) Atomics.wait(i32, Crash.LOCK, 1, 1);
  try {
    return f();
  } finally {
    Atomics.store(i32, Crash.LOCK, 0);
    Atomics.notify(i32, Crash.LOCK);
  }
}

/** Put back the action the first handler replaced for `sig` (Node's, or the default). */
export function restoreAction(table: SharedArrayBuffer, sig: number): void {
  const at = OLD_ACTIONS_AT + CRASH_SIGNALS.indexOf(sig) * SIGACTION_SLOT;
  libcFn('int sigaction(int, void *, void *)')(sig, Buffer.from(table, at, SIGACTION_BYTES), null);
}

/** The same for every CRASH_SIGNALS entry. */
function restoreActions(table: SharedArrayBuffer): void {
  for (const sig of CRASH_SIGNALS) restoreAction(table, sig);
}

/** The handler's koffi prototype, made once per thread. */
let handlerProto: unknown = null;

/**
 * Make `onSignal` the handler of CRASH_SIGNALS: a koffi callback registered on this thread, so
 * koffi runs it on this thread (see above). `who`: 'watch' for the watch thread, which then
 * marks the table ARMED; 'main' for the main thread's own handler (CrashGuard.armOnMain), used
 * until the watch thread's replaces it. The first of the two to install keeps the actions it
 * replaced in the table (the ones disarm and restoreAction put back). False if the program
 * has ended, the watch thread has installed its handler already (for 'main'), or sigaction
 * failed: then the signals it had replaced have their first actions back.
 */
export function installHandler(table: SharedArrayBuffer, onSignal: (sig: number, info: number, context: number) => void, who: 'watch' | 'main'): boolean {
  const i32 = new Int32Array(table);
  return withLock(i32, () => {
    if (Atomics.load(i32, Crash.STATE) !== 0) return false;
    const k = koffi();
    handlerProto ??= k.proto('void asthra_crash_handler(int sig, uintptr_t info, uintptr_t context)');
    const handler = k.register((sig: number, info: number | bigint, context: number | bigint) => onSignal(sig, Number(info), Number(context)), k.pointer(handlerProto as never));
    const act = Buffer.alloc(SIGACTION_BYTES);
    act.writeBigUInt64LE(BigInt(k.address(handler)), 0);
    act.writeUInt32LE((SA_SIGINFO | SA_ONSTACK | SA_RESETHAND) >>> 0, SA_FLAGS_AT);
    const sigaction = libcFn('int sigaction(int, void *, void *)');
    const bytes = Buffer.from(table);
    const first = i32[Crash.INTERIM] === 0;
    for (let n = 0; n < CRASH_SIGNALS.length; n++) {
      const at = OLD_ACTIONS_AT + n * SIGACTION_SLOT;
      if (sigaction(CRASH_SIGNALS[n], act, first ? bytes.subarray(at, at + SIGACTION_BYTES) : null) !== 0) {
        for (const sig of CRASH_SIGNALS.slice(0, n)) restoreAction(table, sig);
        if (!first) i32[Crash.INTERIM] = 0;
        return false;
      }
    }
    if (who === 'main') {
      i32[Crash.INTERIM] = 1;
    } else {
      Atomics.store(i32, Crash.STATE, ARMED);
      Atomics.notify(i32, Crash.STATE);
    }
    return true;
  });
}

/** ucontext_t (glibc, x86-64): where gregs[REG_RSP] is, and a size that holds the whole struct. */
const UC_RSP_AT = 40 + 15 * 8;
const UCONTEXT_BYTES = 2048;

/**
 * The low end of this thread's koffi call stack (see armOnMain), or 0: the mapping of
 * /proc/self/maps that holds the stack pointer of a C call, which koffi maps with a guard page
 * below it (so the mapping starts where the stack does), if it is large enough to be that stack.
 */
function koffiStackBottom(): number {
  try {
    const uc = Buffer.alloc(UCONTEXT_BYTES);
    if (libcFn('int getcontext(void *)')(uc) !== 0) return 0;
    const sp = Number(uc.readBigUInt64LE(UC_RSP_AT));
    const size = Number((koffi().config() as { sync_stack_size?: number }).sync_stack_size ?? 0);
    for (const line of readFileSync('/proc/self/maps', 'latin1').split('\n')) {
      const dash = line.indexOf('-');
      const space = line.indexOf(' ', dash);
      const lo = parseInt(line.slice(0, dash), 16);
      const hi = parseInt(line.slice(dash + 1, space), 16);
      if (!(sp >= lo && sp < hi)) continue;
      // the call's own frames are far above the alternate stack's top
      const fits = line.slice(space + 1, space + 3) === 'rw' && sp - lo >= 4 * ALT_STACK_BYTES && (size === 0 || sp - lo <= size);
      return fits ? lo : 0;
    }
  } catch {
    // no /proc, or no getcontext: the main thread waits for the watch thread instead
  }
  return 0;
}

const libcFns = new Map<string, CFunction>();

/** A function of the C library, bound once per thread. */
export function libcFn(decl: string): CFunction {
  let f = libcFns.get(decl);
  if (f === undefined) libcFns.set(decl, (f = koffi().load(null).func(decl) as CFunction));
  return f;
}

/**
 * One thread's row of the crash table. `row[Row.EXT] = ext + 1` before a C call and `= 0` after
 * it is all a call costs; arm() runs once, before the thread's first call.
 */
export class CrashGuard {
  readonly row: Int32Array;
  private readonly slots: Float64Array;
  private armed = false;
  /**
   * The main thread's own handler (the runtime's report), if this is the main thread's row:
   * see armOnMain.
   */
  onMain: ((sig: number, info: number, context: number) => void) | null = null;

  private constructor(readonly table: SharedArrayBuffer, readonly index: number) {
    this.row = new Int32Array(table, rowWord(index) * 4, ROW_WORDS);
    this.slots = new Float64Array(table, rowSlot(index) * 8, ROW_WORDS / 2);
  }

  /** Worker `w`'s row. */
  static forWorker(table: SharedArrayBuffer, w: number): CrashGuard {
    const g = new CrashGuard(table, w);
    Atomics.store(g.row, Row.TAKEN, 1);
    return g;
  }

  /** A free FFI-thread row, or null when every row is taken. */
  static forFfiThread(table: SharedArrayBuffer): CrashGuard | null {
    const i32 = new Int32Array(table);
    for (let r = MAX_WORKERS; r < CRASH_ROWS; r++) {
      if (Atomics.compareExchange(i32, rowWord(r) + Row.TAKEN, 0, 1) === 0) return new CrashGuard(table, r);
    }
    return null;
  }

  /**
   * Before this thread's first C call: give it an alternate signal stack and wait (a moment,
   * normally not at all) until the watch thread has installed the handler.
   */
  arm(): void {
    if (this.armed) return;
    this.armed = true;
    const header = new Int32Array(this.table, 0, 1);
    if (this.onMain !== null && Atomics.load(header, Crash.STATE) === 0 && this.armOnMain(this.onMain)) return;
    const deadline = Date.now() + ARM_TIMEOUT_MS;
    while (Atomics.load(header, Crash.STATE) === 0 && Date.now() < deadline) Atomics.wait(header, Crash.STATE, 0, 20);
    if (Atomics.load(header, Crash.STATE) !== ARMED) return;
    // The stack belongs to the row: a thread that took the row before this one left it here.
    let base = this.slots[RowF64.ALT_BASE];
    const fresh = base === 0;
    if (fresh) base = Number(libcFn('uintptr_t malloc(size_t)')(ALT_STACK_BYTES));
    if (base === 0) return;
    const ss = Buffer.alloc(STACK_T_BYTES);
    ss.writeBigUInt64LE(BigInt(base), 0);
    ss.writeBigUInt64LE(BigInt(ALT_STACK_BYTES), 16);
    if (libcFn('int sigaltstack(void *, void *)')(ss, null) !== 0) {
      if (fresh) libcFn('void free(uintptr_t)')(base);
      return;
    }
    this.slots[RowF64.ALT_BASE] = base;
    this.slots[RowF64.ALT_SIZE] = ALT_STACK_BYTES;
  }

  /**
   * The main thread's first C call does not wait for the watch thread, which takes 50 to 90 ms
   * to start (a Node worker), as long as the whole C work of many programs: the main thread
   * installs a handler of its own, which the watch thread's replaces once it is ready. koffi runs
   * a callback synchronously when the thread that registered it calls it from inside one of that
   * thread's own C calls, which it tells by the stack pointer being in its call stack (a region
   * it maps per thread, where the C function runs). So this thread's alternate signal stack is
   * put at the bottom of koffi's call stack: a crash in one of its C calls, even one that
   * overflows that stack (the signal frame goes where the overflowing C frames were), runs the
   * handler here and now, and the report is written before the process ends. Until the watch
   * thread is ready, the other threads' first C calls still wait for it (the watch thread starts
   * with them), so only this thread calls C meanwhile; a crash on a thread C itself started
   * reaches this thread's event loop, as it would reach the watch thread's.
   *
   * x86-64 only (where the stack pointer is read from getcontext's ucontext_t); false if koffi's
   * stack cannot be found, or the watch thread is ready after all: then arm() goes on as for the
   * other threads.
   */
  private armOnMain(onSignal: (sig: number, info: number, context: number) => void): boolean {
    const lo = process.arch === 'x64' ? koffiStackBottom() : 0;
    if (lo === 0) return false;
    const ss = Buffer.alloc(STACK_T_BYTES);
    ss.writeBigUInt64LE(BigInt(lo), 0);
    ss.writeBigUInt64LE(BigInt(ALT_STACK_BYTES), 16);
    if (libcFn('int sigaltstack(void *, void *)')(ss, null) !== 0) return false;
    // the watch thread finds this thread's faults by this stack, once its handler is the one
    this.slots[RowF64.ALT_BASE] = lo;
    this.slots[RowF64.ALT_SIZE] = ALT_STACK_BYTES;
    return installHandler(this.table, onSignal, 'main');
  }

  /**
   * The thread is leaving (an FFI thread retiring, or any thread at the program's end): its row
   * goes back. It makes no C call: a thread that leaves as the process exits must not call into
   * koffi while Node tears its environment down (that aborts the process). The alternate stack
   * stays with the row for the next thread that takes it (at most CRASH_ROWS of them, ever); a
   * thread's signal stack setting ends with the thread.
   */
  release(): void {
    this.row.fill(0, 1, RowF64.ALT_BASE * 2);
    Atomics.store(this.row, Row.TAKEN, 0);
  }
}
