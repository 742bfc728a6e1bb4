// The watch thread (ffi/crash.ts): installs the crash handler, a koffi callback, for
// CRASH_SIGNALS, and keeps its event loop free, which is where koffi delivers the handler's call
// from the thread that faulted. That free event loop also serves the C thread pool (ffi/cpool.ts)
// for a program with blocking externs: the completions of koffi's asynchronous calls arrive
// there too. A thread of the runtime: its report (crashreport.ts) names the task's Asthra
// frames, which the FFI layer below does not know.
import { receiveMessageOnPort, workerData } from 'worker_threads';
import type { Module } from '../bytecode/module';
import { CRASH_SIGNALS, Crash, UNAVAILABLE, WatchAttach, WatchThreadData, installHandler, libcFn } from '../ffi/crash';
import { koffi } from '../ffi/library';
import { servePool } from '../ffi/cpool';
import { CrashProgram, CrashReport } from './crashreport';

/** sigset_t (Linux), and pthread_sigmask's SIG_BLOCK */
const SIGSET_BYTES = 128;
const SIG_BLOCK = 0;
const SIG_UNBLOCK = 1;

const data = workerData as WatchThreadData;
const table = new Int32Array(data.table);
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

/** The program a report names (the attach message is taken here if the event loop has not yet). */
let known: CrashProgram | null = null;
function attached(): CrashProgram | null {
  if (program === null) {
    const got = receiveMessageOnPort(data.port);
    if (got) program = got.message as WatchAttach;
  }
  if (program === null) return null;
  if (known === null) {
    const { readAstb } = require('../bytecode/astb') as typeof import('../bytecode/astb');
    const astb = program.astb;
    let m: Module | null = null;
    known = { sab: program.sab, module: () => (m ??= readAstb(Buffer.from(astb))) };
  }
  return known;
}

function main(): void {
  const report = new CrashReport(data.table, attached);
  try {
    koffi(); // loaded: the process may end now without harm
    Atomics.store(table, Crash.UP, 1);
    // this thread never takes these signals: one sent to the process goes to another thread,
    // and this one is never interrupted to run the handler on itself
    if (libcFn('int pthread_sigmask(int, void *, void *)')(SIG_BLOCK, crashSet(), null) !== 0) throw new Error('pthread_sigmask failed');
    // (false: the program has ended, or sigaction failed)
    if (installHandler(data.table, (sig, info, context) => report.onSignal(sig, info, context), 'watch')) {
      // koffi delivers the handler's calls through this thread's event loop: keep it alive
      // (the thread is unref'd, so it never keeps the process alive)
      setInterval(() => {}, 1 << 30);
      return;
    }
  } catch {
    // koffi or pthread_sigmask failed: nothing was installed
  }
  Atomics.store(table, Crash.UP, 1);
  Atomics.compareExchange(table, Crash.STATE, 0, UNAVAILABLE);
  Atomics.notify(table, Crash.STATE);
}

main();
