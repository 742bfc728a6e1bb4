// The watch thread (ffi/crash.ts): installs the crash handler, a koffi callback, for
// CRASH_SIGNALS, and keeps its event loop free, which is where koffi delivers the handler's call
// from the thread that faulted. It does nothing else until then. A thread of the runtime: its
// report names the task's Asthra frames (report.ts), which the FFI layer below does not know.
import { writeSync } from 'fs';
import { receiveMessageOnPort, workerData } from 'worker_threads';
import type { Module } from '../bytecode/module';
import {
  ARMED, CRASH_ROWS, CRASH_SIGNALS, Crash, OLD_ACTIONS_AT, Row, RowF64, SA_FLAGS_AT, SA_ONSTACK, SA_RESETHAND, SA_SIGINFO,
  SIGACTION_BYTES, SIGACTION_SLOT, UNAVAILABLE, WatchAttach, WatchThreadData, libcFn, rowSlot, rowWord,
} from '../ffi/crash';
import { koffi } from '../ffi/library';

/** siginfo_t.si_code of a signal sent with kill(2) */
const SI_USER = 0;
/** sigset_t (Linux), and pthread_sigmask's SIG_BLOCK */
const SIGSET_BYTES = 128;
const SIG_BLOCK = 0;

const data = workerData as WatchThreadData;
const table = new Int32Array(data.table);
const tableF64 = new Float64Array(data.table);
const tableBytes = Buffer.from(data.table);
let program: WatchAttach | null = null;

data.port.on('message', (msg: WatchAttach) => {
  program = msg;
});

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

/** The handler: `info` is the siginfo_t the kernel built on the faulting thread's signal stack. */
function onSignal(sig: number, info: number): void {
  const row = rowHolding(info);
  const ext = row < 0 ? -1 : table[rowWord(row) + Row.EXT] - 1;
  const si = new DataView(koffi().view(info, 24));
  // si_code > 0: the kernel's, for a fault (the instruction runs again on return); <= 0: sent
  // by raise, kill or abort (nothing happens again on return)
  const code = si.getInt32(8, true);
  const kill = (): void => {
    libcFn('int kill(int, int)')(process.pid, sig);
  };
  // SI_USER: another process sent it (kill -SEGV): not a crash in C, whichever thread it reached
  if (ext < 0 || code === SI_USER) {
    restore(sig);
    if (code <= 0) kill();
    return;
  }
  try {
    writeSync(2, describe(row, ext, sig, code, si));
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

/** The report: the extern, the signal, and the calling task's Asthra stack. */
function describe(row: number, ext: number, sig: number, code: number, si: DataView): string {
  const name = Object.entries(require('os').constants.signals as Record<string, number>).find(([, n]) => n === sig)?.[0] ?? `signal ${sig}`;
  let what = SIGNAL_WORDS[name] ?? 'a fatal signal';
  if ((name === 'SIGSEGV' || name === 'SIGBUS') && code > 0) what += ` at address 0x${si.getBigUint64(16, true).toString(16)}`;
  if (code <= 0 && name !== 'SIGABRT') what = 'raised by the C code';
  if (program === null) {
    const got = receiveMessageOnPort(data.port);
    if (got) program = got.message as WatchAttach;
  }
  if (program === null) return `asthra: the program crashed inside a C function (extern ${ext}): ${name}, ${what}\n`;
  // the program's names, lines and stacks are only read now, when there is something to report
  const { readAstb } = require('../bytecode/astb') as typeof import('../bytecode/astb');
  const { sourceAt } = require('../bytecode/module') as typeof import('../bytecode/module');
  const { crashFrames } = require('./report') as typeof import('./report');
  const m: Module = readAstb(Buffer.from(program.astb));
  const x = m.externs[ext];
  const at = sourceAt(m, x.line);
  let s = `asthra: the program crashed inside the C function '${x.name}' (extern declared at ${at.file}:${at.line}:${x.col}): ${name}, ${what}\n`;
  const w = rowWord(row);
  s += crashFrames(m, program.sab, table[w + Row.FIBER], table[w + Row.FN] - 1, table[w + Row.PC]);
  return s;
}

function main(): void {
  try {
    const k = koffi();
    const proto = k.proto('void asthra_crash_handler(int sig, uintptr_t info, uintptr_t context)');
    const handler = k.register((sig: number, info: number | bigint) => onSignal(sig, Number(info)), k.pointer(proto));
    const act = Buffer.alloc(SIGACTION_BYTES);
    act.writeBigUInt64LE(BigInt(k.address(handler)), 0);
    act.writeUInt32LE((SA_SIGINFO | SA_ONSTACK | SA_RESETHAND) >>> 0, SA_FLAGS_AT);
    // this thread never takes these signals: one sent to the process goes to another thread,
    // and this one is never interrupted to run the handler on itself
    const set = Buffer.alloc(SIGSET_BYTES);
    for (const sig of CRASH_SIGNALS) set[(sig - 1) >> 3] |= 1 << ((sig - 1) & 7);
    if (libcFn('int pthread_sigmask(int, void *, void *)')(SIG_BLOCK, set, null) !== 0) throw new Error('pthread_sigmask failed');
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
