// The report of a crash inside C (ffi/crash.ts explains the scheme): which C call it happened
// in, found from the crash table and the signal's siginfo_t, and the calling task's Asthra
// stack. Made by the watch thread (crashwatch.ts) for every thread once it is ready, and by the
// main thread for its own calls until then (CrashGuard.armOnMain); the same text either way.
import { writeSync } from 'fs';
import type { Module } from '../bytecode/module';
import { CRASH_ROWS, Row, RowF64, libcFn, restoreAction, rowSlot, rowWord } from '../ffi/crash';
import { koffi } from '../ffi/library';
import { inFlight } from '../ffi/cpool';

/** siginfo_t.si_code of a signal sent with kill(2) */
const SI_USER = 0;

/** The program a report names: its module (read only when there is something to report) and arena. */
export interface CrashProgram {
  module(): Module;
  sab: SharedArrayBuffer;
}

/** A C call the crash happened in: its extern, the calling task's fiber, and (native code) its function and pc. */
interface Culprit {
  ext: number;
  fiber: number;
  fn: number;
  pc: number;
}

const SIGNAL_WORDS: Record<string, string> = {
  SIGSEGV: 'invalid memory access',
  SIGBUS: 'invalid memory access (bus error)',
  SIGFPE: 'arithmetic error, such as an integer division by zero',
  SIGILL: 'illegal instruction',
  SIGABRT: 'the C code aborted',
};

export class CrashReport {
  private readonly table: Int32Array;
  private readonly tableF64: Float64Array;

  /** `program`: null while the program is not known yet (the watch thread before it is attached) */
  constructor(private readonly sab: SharedArrayBuffer, private readonly program: () => CrashProgram | null) {
    this.table = new Int32Array(sab);
    this.tableF64 = new Float64Array(sab);
  }

  /** The handler: `info` and `context` are the faulting thread's siginfo_t and ucontext_t. */
  onSignal(sig: number, info: number, context: number): void {
    const si = new DataView(koffi().view(info, 24));
    // si_code > 0: the kernel's, for a fault (the instruction runs again on return); <= 0: sent
    // by raise, kill or abort (nothing happens again on return)
    const code = si.getInt32(8, true);
    const kill = (): void => {
      libcFn('int kill(int, int)')(process.pid, sig);
    };
    // SI_USER: another process sent it (kill -SEGV): not a crash in C, whichever thread it reached
    const found = code === SI_USER ? [] : this.culprits(info, context);
    if (found.length === 0) {
      restoreAction(this.sab, sig);
      if (code <= 0) kill();
      return;
    }
    try {
      writeSync(2, this.describe(found, sig, code, si));
    } catch {
      // a report that cannot be written (stderr closed) must not keep the process alive
    }
    // SA_RESETHAND put the default action back: the fault happens again and ends the process
    if (code <= 0) kill();
  }

  /** The row of the thread whose alternate signal stack holds address `at`, or -1. */
  private rowHolding(at: number): number {
    for (let r = 0; r < CRASH_ROWS; r++) {
      if (this.table[rowWord(r) + Row.TAKEN] === 0) continue;
      const base = this.tableF64[rowSlot(r) + RowF64.ALT_BASE];
      if (base !== 0 && at >= base && at < base + this.tableF64[rowSlot(r) + RowF64.ALT_SIZE]) return r;
    }
    return -1;
  }

  /**
   * The calls the fault at `info` (the siginfo_t the kernel built on the faulting thread's signal
   * stack) and `context` (its ucontext_t) happened in; none if it is not ours.
   */
  private culprits(info: number, context: number): Culprit[] {
    const row = this.rowHolding(info);
    if (row >= 0) {
      // a worker's or an FFI thread's: its row says whether it is inside a C call
      const w = rowWord(row);
      const ext = this.table[w + Row.EXT] - 1;
      return ext < 0 ? [] : [{ ext, fiber: this.table[w + Row.FIBER], fn: this.table[w + Row.FN] - 1, pc: this.table[w + Row.PC] }];
    }
    // a thread with no row: a libuv thread running calls of the C thread pool (cpool.ts), or one
    // that is none of ours (Node's, V8's, or one C started)
    const calls = inFlight().map((c) => ({ ext: c.ext, fiber: c.fiber, fn: -1, pc: 0 }));
    const program = this.program();
    if (calls.length === 0 || program === null) return [];
    const at = faultingFunction(context);
    if (at !== null && at.file === process.execPath) return []; // in Node itself
    if (calls.length === 1 || at === null) return calls;
    // several calls at once: the one whose function the faulting instruction is in, if it is one
    const externs = program.module().externs;
    const named = calls.filter((c) => externs[c.ext]?.symbol === at.name);
    return named.length > 0 ? named : calls;
  }

  /** The report: the extern, the signal, and the calling task's Asthra stack (of each call, if several may be it). */
  private describe(found: Culprit[], sig: number, code: number, si: DataView): string {
    const name = Object.entries(require('os').constants.signals as Record<string, number>).find(([, n]) => n === sig)?.[0] ?? `signal ${sig}`;
    let what = SIGNAL_WORDS[name] ?? 'a fatal signal';
    if ((name === 'SIGSEGV' || name === 'SIGBUS') && code > 0) what += ` at address 0x${si.getBigUint64(16, true).toString(16)}`;
    if (code <= 0 && name !== 'SIGABRT') what = 'raised by the C code';
    const program = this.program();
    if (program === null) return `asthra: the program crashed inside a C function (extern ${found[0].ext}): ${name}, ${what}\n`;
    // the program's names, lines and stacks are only read now, when there is something to report
    const { sourceAt } = require('../bytecode/module') as typeof import('../bytecode/module');
    const { crashFrames } = require('./report') as typeof import('./report');
    const m = program.module();
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
