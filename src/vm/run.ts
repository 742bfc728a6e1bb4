// Running a verified Module: set up the arena, globals and the main fiber, run the entry
// function, and turn what happened into an exit code. Runtime errors are printed here, with the
// Asthra call stack and the source line of every frame.
import { MainKind, Module, lineAt } from '../bytecode/module';
import { Arena, OutOfMemory } from '../heap/arena';
import { Tag } from '../heap/layout';
import { Collector } from '../heap/gc';
import { Deadlock, Scheduler } from '../scheduler/scheduler';
import { F, WaitKind, fw } from '../scheduler/fiber';
import { H, M, handleResultSlot, hw, mw } from '../scheduler/task';
import { ExitRequest, Interpreter, Trap } from './interpreter';
import { Output } from './output';

export interface RunOptions {
  args: string[];
  maxHeapBytes: number;
  stackSlots?: number;
  native?: boolean;
  nativeDepth?: number;
  gcPause?: number;
  gcVerify?: boolean;
  gcTorture?: boolean;
  /** print allocation and collection figures to stderr at exit */
  stats?: boolean;
  /** with one worker: pick runnable tasks in a seeded random order (reproducible) */
  seed?: number;
}

export const EXIT_RUNTIME_ERROR = 1;
export const EXIT_INTERNAL = 70;

export function runModule(m: Module, opts: RunOptions): number {
  const out = new Output();
  let statsArena: Arena | null = null;
  let vm: Interpreter | null = null;
  try {
    return execute();
  } finally {
    if (statsArena) out.stderr(formatStats(statsArena));
  }

  function execute(): number {
  try {
    const arena = new Arena(Math.min(64 << 20, opts.maxHeapBytes), opts.maxHeapBytes);
    vm = new Interpreter(m, arena, out, { args: opts.args, stackSlots: opts.stackSlots, native: opts.native, nativeDepth: opts.nativeDepth });
    const globals = arena.alloc(Tag.STACK, Math.max(1, m.globals.length) * 8);
    vm.globalBlock = globals;
    vm.globalBase = Arena.slot0(globals);
    const sched = new Scheduler(arena, opts.seed ?? null);
    sched.runner = vm;
    vm.sched = sched;
    sched.onFailure = (f) => out.stderr(`task ${f.task} (${f.fn}) failed: ${f.message}\n${f.trace}`);
    arena.attachCollector(new Collector(arena, m.shapes.map((sh) => sh.refs), vm, opts.gcVerify ?? false));
    arena.gcPause = opts.gcPause ?? 200;
    arena.torture = opts.gcTorture ?? false;
    if (opts.stats) statsArena = arena;
    // main is the first fiber; its handle's result is main's return value
    const mainHandle = sched.spawn(m.entry, [], true);
    arena.tempRoots.push(mainHandle);
    try {
      sched.run(mainHandle, (e) => describeTaskTrap(m, e), (v, kind) => taskError(m, arena, v, kind));
    } catch (e) {
      if (e instanceof Deadlock) {
        out.stderr(formatDeadlock(m, arena, vm, e));
        return EXIT_RUNTIME_ERROR;
      }
      throw e;
    }
    out.flush();
    const result = arena.f64[handleResultSlot(mainHandle)];
    const failed = sched.failures.some((f) => arena.i32[hw(f.handle, H.OBSERVED)] === 0);
    const code = mainExit(m, arena, out, result);
    return code === 0 && failed ? EXIT_RUNTIME_ERROR : code;
  } catch (e) {
    out.flush();
    if (e instanceof ExitRequest) return e.code & 0xff;
    if (e instanceof Trap) {
      out.stderr(formatTrap(m, e));
      return EXIT_RUNTIME_ERROR;
    }
    if (e instanceof OutOfMemory) {
      out.stderr(vm ? formatTrap(m, vm.trapAtSafepoint(e.message)) : `runtime error: ${e.message}\n`);
      return EXIT_RUNTIME_ERROR;
    }
    throw e;
  }
  }
}

const MB = 1048576;

export function formatStats(a: Arena): string {
  const g = Collector.stats(a);
  const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;
  return [
    'asthra stats:',
    `  allocated        ${mb(a.bytesAllocated)}`,
    `  collections      ${g.collections}`,
    `  gc pause total   ${g.totalPauseMs.toFixed(2)} ms`,
    `  gc pause max     ${g.maxPauseMs.toFixed(2)} ms`,
    `  peak heap        ${mb(a.peakHeap)}`,
    `  live after gc    ${g.collections ? mb(g.liveAfterLast) : '(no collection)'}`,
    '',
  ].join('\n');
}

function mainExit(m: Module, arena: Arena, out: Output, result: number): number {
  switch (m.mainKind) {
    case MainKind.Void: return 0;
    case MainKind.ExitCode: return result & 0xff;
    case MainKind.Result: {
      if (arena.i32[(result >>> 2) + 3] === 0) return 0;
      out.stderr(`error: ${arena.readString(arena.f64[Arena.slot0(result)])}\n`);
      return EXIT_RUNTIME_ERROR;
    }
  }
}

/** A task's trap as a one-line message and its stack; null for what is not a trap. */
function describeTaskTrap(m: Module, e: unknown): { message: string; trace: string } | null {
  if (!(e instanceof Trap)) return null;
  return { message: e.message, trace: formatFrames(m, e.frames) };
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

function formatDeadlock(m: Module, arena: Arena, vm: Interpreter, d: Deadlock): string {
  const i32 = arena.i32;
  let s = `deadlock: all tasks are blocked\n`;
  const fibers = [...d.fibers].sort((a, b) => i32[fw(a, F.ID)] - i32[fw(b, F.ID)]);
  for (const f of fibers) {
    const id = i32[fw(f, F.ID)];
    const fn = m.functions[i32[fw(f, F.FN)]];
    const entry = m.functions[i32[fw(f, F.ENTRY)]].name;
    const kind = i32[fw(f, F.WAIT_KIND)];
    const on = i32[fw(f, F.WAIT_REF)];
    const what = kind === WaitKind.Task
      ? `waiting for task ${i32[hw(on, H.TASK)]} (${m.functions[i32[hw(on, H.FN)]].name})`
      : kind === WaitKind.Mutex
        ? `waiting for a mutex held by task ${i32[fw(i32[mw(on, M.OWNER)], F.ID)]}`
        : 'blocked';
    // a fiber parked on a mutex resumes after its lock instruction: report the lock itself
    const pos = lineAt(fn, i32[fw(f, F.PC)] - (kind === WaitKind.Mutex ? 1 : 0));
    const where = pos ? ` at ${m.sourceName}:${pos.line}:${pos.col}` : '';
    s += `  task ${id} (${id === 0 ? 'main' : entry}) ${what}${where}\n`;
    const lines = m.source.split('\n');
    if (pos && lines[pos.line - 1] !== undefined) s += `      ${lines[pos.line - 1].trim()}\n`;
  }
  void vm;
  return s;
}

export function formatTrap(m: Module, t: Trap): string {
  return `runtime error: ${t.message}\n${formatFrames(m, t.frames)}`;
}

function formatFrames(m: Module, frames: { fn: number; pc: number }[]): string {
  const lines = m.source.split('\n');
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
    const where = pos ? `${m.sourceName}:${pos.line}:${pos.col}` : `${m.sourceName}:pc ${f.pc}`;
    let frame = `  at ${fn.name} (${where})\n`;
    if (pos && lines[pos.line - 1] !== undefined) frame += `      ${lines[pos.line - 1].trim()}\n`;
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
