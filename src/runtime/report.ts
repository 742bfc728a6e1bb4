// What a worker prints when things go wrong: runtime errors with the Asthra stack, failed tasks,
// deadlocks. One place formats them, so every worker and the single-threaded run agree. It
// implements the scheduler's Reporter, which is how the scheduler (below the runtime) hands
// these up without importing anything above it.
import { Module, lineAt, sourceAt } from '../bytecode/module';
import { Arena, OutOfMemory } from '../heap/arena';
import { Tag } from '../heap/layout';
import { F, FRAME_WORDS, WaitKind, fw, stackLayout } from '../scheduler/fiber';
import { ArenaViews } from '../ffi/views';
import { H, hw } from '../scheduler/handle';
import { M, mw } from '../scheduler/mutex';
import { C, cw } from '../scheduler/chan';
import { W, ww } from '../scheduler/waiter';
import { Finish, Reporter, Scheduler } from '../scheduler/scheduler';
import { ExitRequest, Interpreter, Trap } from '../vm/interpreter';
import { Output } from '../vm/output';

export const EXIT_RUNTIME_ERROR = 1;
export const EXIT_INTERNAL = 70;

export class WorkerReporter implements Reporter {
  constructor(readonly m: Module, readonly arena: Arena, readonly out: Output, readonly vm: Interpreter, readonly sched: Scheduler) {}

  taskFailed(task: number, fn: string, message: string, trace: string): void {
    this.out.stderr(`task ${task} (${fn}) failed: ${message}\n${trace}`);
  }

  fatal(e: unknown): boolean {
    if (e instanceof ExitRequest) {
      this.out.flush();
      this.sched.end(Finish.Exit, e.code & 0xff);
      return true;
    }
    if (e instanceof Trap) {
      this.out.stderr(formatTrap(this.m, e));
      this.sched.end(Finish.Exit, EXIT_RUNTIME_ERROR);
      return true;
    }
    if (e instanceof OutOfMemory) {
      this.out.stderr(formatTrap(this.m, this.vm.trapAtSafepoint(e.message)));
      this.sched.end(Finish.Exit, EXIT_RUNTIME_ERROR);
      return true;
    }
    // an internal error: stop the other workers, then let it reach the CLI (exit 70)
    this.sched.end(Finish.Exit, EXIT_INTERNAL);
    return false;
  }

  deadlock(fibers: number[]): void {
    this.out.stderr(formatDeadlock(this.m, this.arena, fibers));
  }

  errText(value: number, kind: number): string | null {
    return taskError(this.m, this.arena, value, kind);
  }

  describeTrap(e: unknown): { message: string; trace: string } | null {
    if (!(e instanceof Trap)) return null;
    return { message: e.message, trace: formatFrames(this.m, e.frames) };
  }
}

/** If a task returned Result.Err(e), the text of e; otherwise null. */
function taskError(m: Module, arena: Arena, value: number, kind: number): string | null {
  if (kind !== 1 || value === 0) return null;
  const w = value >>> 2;
  if ((arena.i32[w] & 0xff) !== Tag.OBJECT) return null;
  const shape = m.shapes[arena.i32[w + 2]];
  if (!shape.name.startsWith('Result.') || shape.variant !== 1) return null;
  const payload = arena.f64[Arena.slot0(value)];
  if (shape.refs[0] === 1 && (arena.i32[payload >>> 2] & 0xff) === Tag.STRING) return arena.readString(payload);
  return shape.refs[0] === 1 ? 'error' : String(payload);
}

export function formatDeadlock(m: Module, arena: Arena, live: number[]): string {
  const i32 = arena.i32;
  let s = `deadlock: all tasks are blocked\n`;
  const fibers = [...live].sort((a, b) => i32[fw(a, F.ID)] - i32[fw(b, F.ID)]);
  for (const f of fibers) {
    const id = i32[fw(f, F.ID)];
    const fn = m.functions[i32[fw(f, F.FN)]];
    const entry = m.functions[i32[fw(f, F.ENTRY)]].name;
    const kind = i32[fw(f, F.WAIT_KIND)];
    const on = i32[fw(f, F.WAIT_REF)];
    const what = describeWait(m, arena, f, kind, on);
    // a fiber parked on a mutex resumes after its lock instruction: report the lock itself
    const pos = lineAt(fn, i32[fw(f, F.PC)] - (kind === WaitKind.Mutex ? 1 : 0));
    const at = pos ? sourceAt(m, pos.line) : null;
    const where = pos && at ? ` at ${at.file}:${at.line}:${pos.col}` : '';
    s += `  task ${id} (${id === 0 ? 'main' : entry}) ${what}${where}\n`;
    if (at?.text !== undefined) s += `      ${at.text.trim()}\n`;
  }
  return s;
}

/** Where channel `ch` was made: ` (made at file:line)`, or '' when unknown. */
function madeAt(m: Module, i32: Int32Array, ch: number): string {
  const fn = m.functions[i32[cw(ch, C.FN)]];
  const pos = fn ? lineAt(fn, i32[cw(ch, C.PC)]) : null;
  if (!pos) return '';
  const at = sourceAt(m, pos.line);
  return ` (made at ${at.file}:${at.line})`;
}

function describeTask(m: Module, i32: Int32Array, h: number): string {
  return `task ${i32[hw(h, H.TASK)]} (${m.functions[i32[hw(h, H.FN)]].name})`;
}

/** What a blocked fiber waits on, in words. */
function describeWait(m: Module, arena: Arena, f: number, kind: number, on: number): string {
  const i32 = arena.i32;
  switch (kind) {
    case WaitKind.Task: return `waiting for ${describeTask(m, i32, on)}`;
    case WaitKind.Mutex: return `waiting for a mutex held by task ${Math.abs(i32[mw(on, M.OWNER)]) - 1}`;
    case WaitKind.Recv: return `waiting to receive from a channel${madeAt(m, i32, on)}`;
    case WaitKind.Send: return `waiting to send on a channel${madeAt(m, i32, on)}`;
    case WaitKind.Select: {
      const arms: string[] = [];
      for (let w = i32[fw(f, F.SELECT)]; w !== 0; w = i32[ww(w, W.LINK)]) {
        const obj = i32[ww(w, W.OBJ)];
        const k = i32[ww(w, W.KIND)];
        arms.push(k === WaitKind.Recv ? `receive from a channel${madeAt(m, i32, obj)}`
          : k === WaitKind.Send ? `send on a channel${madeAt(m, i32, obj)}`
            : describeTask(m, i32, obj));
      }
      return `waiting in a select on: ${arms.join(', ')}`;
    }
    case WaitKind.External: return m.externs[on] ? `in a call of the C function '${m.externs[on].name}'` : 'in a call into C';
    default: return 'blocked';
  }
}

export function formatTrap(m: Module, t: Trap): string {
  return `runtime error: ${t.message}\n${formatFrames(m, t.frames)}`;
}

export function formatFrames(m: Module, frames: { fn: number; pc: number }[]): string {
  let s = '';
  let prev = '';
  let repeats = 0;
  const flushRepeats = (): void => {
    if (repeats > 0) s += `  ... the frame above repeated ${repeats} more time${repeats > 1 ? 's' : ''}\n`;
    repeats = 0;
  };
  frames.forEach((f, i) => {
    const fn = m.functions[f.fn];
    if (fn.name === '<init>' && i === frames.length - 1 && i > 0) return;
    const pos = lineAt(fn, f.pc);
    const at = pos ? sourceAt(m, pos.line) : null;
    const where = pos && at ? `${at.file}:${at.line}:${pos.col}` : `${m.sourceName}:pc ${f.pc}`;
    let frame = `  at ${fn.name} (${where})\n`;
    if (at?.text !== undefined) frame += `      ${at.text.trim()}\n`;
    if (frame === prev) {
      repeats++;
      return;
    }
    flushRepeats();
    s += frame;
    prev = frame;
  });
  flushRepeats();
  return s;
}

/**
 * The Asthra stack of the task whose C call crashed the process, read by the watch thread
 * (crashwatch.ts) from the arena while the task's thread waits in the signal handler: the
 * fiber's frames, written before the call. A call from native code names its own function and
 * pc (fn >= 0); the fiber's frames then start at the interpreter frame that entered native code.
 */
export function crashFrames(m: Module, sab: SharedArrayBuffer, fiber: number, fn: number, pc: number): string {
  const i32 = new ArenaViews(sab).i32;
  const fnOk = (k: number): boolean => Number.isInteger(k) && k >= 0 && k < m.functions.length;
  if (fiber <= 0 || fiber % 8 !== 0 || fw(fiber, F.SELECT) >= i32.length || (i32[fiber >>> 2] & 0xff) !== Tag.FIBER) return '';
  const frames: { fn: number; pc: number }[] = [{ fn: i32[fw(fiber, F.FN)], pc: i32[fw(fiber, F.PC)] }];
  const { frameBase } = stackLayout({ i32 }, i32[fw(fiber, F.STACK)]);
  for (let d = i32[fw(fiber, F.DEPTH)] - 1; d >= 0; d--) {
    const w = frameBase + d * FRAME_WORDS;
    if (w + 1 >= i32.length) return '';
    frames.push({ fn: i32[w], pc: i32[w + 1] - 1 });
  }
  if (fn >= 0) {
    if (frames[0].fn === fn) frames.shift();
    frames.unshift({ fn, pc });
  }
  if (!frames.every((f) => fnOk(f.fn))) return '';
  const id = i32[fw(fiber, F.ID)];
  const entry = fnOk(i32[fw(fiber, F.ENTRY)]) ? m.functions[i32[fw(fiber, F.ENTRY)]].name : '?';
  return `  in task ${id} (${id === 0 ? 'main' : entry}):\n${formatFrames(m, frames)}`;
}
