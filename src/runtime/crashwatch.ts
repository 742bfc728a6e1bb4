// The watch thread (ffi/crash.ts): installs the crash handler, a koffi callback, for
// CRASH_SIGNALS, and keeps its event loop free, which is where koffi delivers the handler's call
// from the thread that faulted. That free event loop also serves the C thread pool (ffi/cpool.ts)
// for a program with blocking externs: the completions of koffi's asynchronous calls arrive
// there too. A thread of the runtime: its report names the task's Asthra frames (report.ts),
// which the FFI layer below does not know.
import { writeSync } from 'fs';
import { receiveMessageOnPort, workerData } from 'worker_threads';
import type { Module } from '../bytecode/module';
import {
  ARMED, CRASH_ROWS, CRASH_SIGNALS, Crash, OLD_ACTIONS_AT, Row, RowF64, SA_FLAGS_AT, SA_ONSTACK, SA_RESETHAND, SA_SIGINFO,
  SIGACTION_BYTES, SIGACTION_SLOT, UNAVAILABLE, WatchAttach, WatchThreadData, libcFn, rowSlot, rowWord,
} from '../ffi/crash';
import { koffi } from '../ffi/library';
import { inFlight, servePool } from '../ffi/cpool';

/** siginfo_t.si_code of a signal sent with kill(2) */
const SI_USER = 0;
/** sigset_t (Linux), and pthread_sigmask's SIG_BLOCK */
const SIGSET_BYTES = 128;
const SIG_BLOCK = 0;
const SIG_UNBLOCK = 1;

const data = workerData as WatchThreadData;
const table = new Int32Array(data.table);
const tableF64 = new Float64Array(data.table);
const tableBytes = Buffer.from(data.table);
let program: WatchAttach | null = null;

data.port.on('message', (msg: WatchAttach) => {
  program = msg;
  if (msg.pool !== null) servePool({ sab: msg.sab, ...msg.pool }, beforeFirstPoolCall);
});

/**
 * libuv starts its threads on the first call handed to it, and they take the signal mask of the
 * thread that makes it: this one blocks the crash signals (main), which on a libuv thread would
 * turn a crash in C into a silent death. So they are unblocked around that call.
 */
function beforeFirstPoolCall(first: () => void): void {
  const sigmask = libcFn('int pthread_sigmask(int, void *, void *)');
  sigmask(SIG_UNBLOCK, crashSet(), null);
  try {
    first();
  } finally {
    sigmask(SIG_BLOCK, crashSet(), null);
  }
}

/** sigset_t (Linux) of CRASH_SIGNALS */
function crashSet(): Buffer {
  const set = Buffer.alloc(SIGSET_BYTES);
  for (const sig of CRASH_SIGNALS) set[(sig - 1) >> 3] |= 1 << ((sig - 1) & 7);
  return set;
}

/** The row of the thread whose alternate signal stack holds address `at`, or -1. */
function rowHolding(at: number): number {
  for (let r = 0; r < CRASH_ROWS; r++) {
    if (table[rowWord(r) + Row.TAKEN] === 0) continue;
    const base = tableF64[rowSlot(r) + RowF64.ALT_BASE];
    if (base !== 0 && at >= base && at < base + tableF64[rowSlot(r) + RowF64.ALT_SIZE]) return r;
  }
  return -1;
}

/** Put back the action the handler replaced for `sig` (Node's, or the default). */
function restore(sig: number): void {
  const k = CRASH_SIGNALS.indexOf(sig);
  const at = OLD_ACTIONS_AT + k * SIGACTION_SLOT;
  libcFn('int sigaction(int, void *, void *)')(sig, tableBytes.subarray(at, at + SIGACTION_BYTES), null);
}

/** A C call the crash happened in: its extern, the calling task's fiber, and (native code) its function and pc. */
interface Culprit {
  ext: number;
  fiber: number;
  fn: number;
  pc: number;
}

/**
 * The calls the fault at `info` (the siginfo_t the kernel built on the faulting thread's signal
 * stack) and `context` (its ucontext_t) happened in; none if it is not ours.
 */
function culprits(info: number, context: number): Culprit[] {
  const row = rowHolding(info);
  if (row >= 0) {
    // a worker's or an FFI thread's: its row says whether it is inside a C call
    const w = rowWord(row);
    const ext = table[w + Row.EXT] - 1;
    return ext < 0 ? [] : [{ ext, fiber: table[w + Row.FIBER], fn: table[w + Row.FN] - 1, pc: table[w + Row.PC] }];
  }
  // a thread with no row: a libuv thread running calls of the C thread pool (cpool.ts), or one
  // that is none of ours (Node's, V8's, or one C started)
  const calls = inFlight().map((c) => ({ ext: c.ext, fiber: c.fiber, fn: -1, pc: 0 }));
  if (calls.length === 0 || program === null) return [];
  const at = faultingFunction(context);
  if (at !== null && at.file === process.execPath) return []; // in Node itself
  if (calls.length === 1 || at === null) return calls;
  // several calls at once: the one whose function the faulting instruction is in, if it is one
  const externs = program.pool?.externs ?? [];
  const named = calls.filter((c) => externs[c.ext]?.symbol === at.name);
  return named.length > 0 ? named : calls;
}

/** Where a fault's instruction is (dladdr of the pc in `context`), on x86-64 only; null if not known. */
function faultingFunction(context: number): { file: string; name: string } | null {
  if (process.arch !== 'x64' || context === 0) return null;
  try {
    const k = koffi();
    // ucontext_t (glibc, x86-64): uc_flags, uc_link, uc_stack (24 bytes), then mcontext_t's
    // gregs, of which REG_RIP is the 17th
    const pc = new DataView(k.view(context, 176)).getBigUint64(40 + 16 * 8, true);
    const dlinfo = Buffer.alloc(32);
    if (libcFn('int dladdr(uintptr_t, void *)')(pc, dlinfo) === 0) return null;
    const str = (at: number): string => {
      const p = dlinfo.readBigUInt64LE(at);
      return p === 0n ? '' : (k.decode(Number(p), 'char', -1) as string);
    };
    return { file: str(0), name: str(16) };
  } catch {
    return null;
  }
}

/** The handler: `info` and `context` are the faulting thread's siginfo_t and ucontext_t. */
function onSignal(sig: number, info: number, context: number): void {
  const si = new DataView(koffi().view(info, 24));
  // si_code > 0: the kernel's, for a fault (the instruction runs again on return); <= 0: sent
  // by raise, kill or abort (nothing happens again on return)
  const code = si.getInt32(8, true);
  const kill = (): void => {
    libcFn('int kill(int, int)')(process.pid, sig);
  };
  // SI_USER: another process sent it (kill -SEGV): not a crash in C, whichever thread it reached
  const found = code === SI_USER ? [] : culprits(info, context);
  if (found.length === 0) {
    restore(sig);
    if (code <= 0) kill();
    return;
  }
  try {
    writeSync(2, describe(found, sig, code, si));
  } catch {
    // a report that cannot be written (stderr closed) must not keep the process alive
  }
  // SA_RESETHAND put the default action back: the fault happens again and ends the process
  if (code <= 0) kill();
}

const SIGNAL_WORDS: Record<string, string> = {
  SIGSEGV: 'invalid memory access',
  SIGBUS: 'invalid memory access (bus error)',
  SIGFPE: 'arithmetic error, such as an integer division by zero',
  SIGILL: 'illegal instruction',
  SIGABRT: 'the C code aborted',
};

/** The report: the extern, the signal, and the calling task's Asthra stack (of each call, if several may be it). */
function describe(found: Culprit[], sig: number, code: number, si: DataView): string {
  const name = Object.entries(require('os').constants.signals as Record<string, number>).find(([, n]) => n === sig)?.[0] ?? `signal ${sig}`;
  let what = SIGNAL_WORDS[name] ?? 'a fatal signal';
  if ((name === 'SIGSEGV' || name === 'SIGBUS') && code > 0) what += ` at address 0x${si.getBigUint64(16, true).toString(16)}`;
  if (code <= 0 && name !== 'SIGABRT') what = 'raised by the C code';
  if (program === null) {
    const got = receiveMessageOnPort(data.port);
    if (got) program = got.message as WatchAttach;
  }
  if (program === null) return `asthra: the program crashed inside a C function (extern ${found[0].ext}): ${name}, ${what}\n`;
  // the program's names, lines and stacks are only read now, when there is something to report
  const { readAstb } = require('../bytecode/astb') as typeof import('../bytecode/astb');
  const { sourceAt } = require('../bytecode/module') as typeof import('../bytecode/module');
  const { crashFrames } = require('./report') as typeof import('./report');
  const m: Module = readAstb(Buffer.from(program.astb));
  const declared = (c: Culprit): string => {
    const x = m.externs[c.ext];
    const at = sourceAt(m, x.line);
    return `'${x.name}' (extern declared at ${at.file}:${at.line}:${x.col})`;
  };
  const sab = program.sab;
  if (found.length === 1) {
    const c = found[0];
    return `asthra: the program crashed inside the C function ${declared(c)}: ${name}, ${what}\n` + crashFrames(m, sab, c.fiber, c.fn, c.pc);
  }
  // calls on the C thread pool that the crash cannot be told apart between
  let s = `asthra: the program crashed inside one of ${found.length} C calls running at the same time on the C thread pool (the crash does not tell them apart): ${name}, ${what}\n`;
  for (const c of found) s += `the C function ${declared(c)}\n` + crashFrames(m, sab, c.fiber, c.fn, c.pc);
  return s;
}

function main(): void {
  try {
    const k = koffi();
    const proto = k.proto('void asthra_crash_handler(int sig, uintptr_t info, uintptr_t context)');
    const handler = k.register((sig: number, info: number | bigint, context: number | bigint) => onSignal(sig, Number(info), Number(context)), k.pointer(proto));
    const act = Buffer.alloc(SIGACTION_BYTES);
    act.writeBigUInt64LE(BigInt(k.address(handler)), 0);
    act.writeUInt32LE((SA_SIGINFO | SA_ONSTACK | SA_RESETHAND) >>> 0, SA_FLAGS_AT);
    // this thread never takes these signals: one sent to the process goes to another thread,
    // and this one is never interrupted to run the handler on itself
    if (libcFn('int pthread_sigmask(int, void *, void *)')(SIG_BLOCK, crashSet(), null) !== 0) throw new Error('pthread_sigmask failed');
    const sigaction = libcFn('int sigaction(int, void *, void *)');
    CRASH_SIGNALS.forEach((sig, i) => {
      const at = OLD_ACTIONS_AT + i * SIGACTION_SLOT;
      if (sigaction(sig, act, tableBytes.subarray(at, at + SIGACTION_BYTES)) !== 0) throw new Error(`sigaction(${sig}) failed`);
    });
  } catch {
    CRASH_SIGNALS.forEach(restore);
    Atomics.compareExchange(table, Crash.STATE, 0, UNAVAILABLE);
    Atomics.notify(table, Crash.STATE);
    return;
  }
  if (Atomics.compareExchange(table, Crash.STATE, 0, ARMED) !== 0) {
    // the program ended (or could not start) before the handler was in place
    CRASH_SIGNALS.forEach(restore);
    return;
  }
  Atomics.notify(table, Crash.STATE);
  // koffi delivers the handler's calls through this thread's event loop: keep it alive (the
  // thread is unref'd, so it never keeps the process alive)
  setInterval(() => {}, 1 << 30);
}

main();
