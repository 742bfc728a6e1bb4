// Running a verified Module: set up the arena, globals and the main fiber, run the entry
// function, and turn what happened into an exit code. Runtime errors are printed here, with the
// Asthra call stack and the source line of every frame.
import { MainKind, Module, lineAt } from '../bytecode/module';
import { Arena, OutOfMemory } from '../heap/arena';
import { Tag } from '../heap/layout';
import { Collector } from '../heap/gc';
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
    vm.globalBase = Arena.slot0(globals);
    arena.attachCollector(new Collector(arena, m.shapes.map((sh) => sh.refs), vm, opts.gcVerify ?? false));
    arena.gcPause = opts.gcPause ?? 200;
    arena.torture = opts.gcTorture ?? false;
    if (opts.stats) statsArena = arena;
    const result = vm.run(m.entry);
    out.flush();
    switch (m.mainKind) {
      case MainKind.Void: return 0;
      case MainKind.ExitCode: return result & 0xff;
      case MainKind.Result: {
        if (arena.i32[(result >>> 2) + 3] === 0) return 0;
        out.stderr(`error: ${arena.readString(arena.f64[Arena.slot0(result)])}\n`);
        return EXIT_RUNTIME_ERROR;
      }
    }
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
  const g = a.collector!.stats;
  const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;
  return [
    'asthra stats:',
    `  allocated        ${mb(a.stats.bytesAllocated)}`,
    `  collections      ${g.collections}`,
    `  gc pause total   ${g.totalPauseMs.toFixed(2)} ms`,
    `  gc pause max     ${g.maxPauseMs.toFixed(2)} ms`,
    `  peak heap        ${mb(a.stats.peakHeap)}`,
    `  live after gc    ${g.collections ? mb(g.liveAfterLast) : '(no collection)'}`,
    '',
  ].join('\n');
}

export function formatTrap(m: Module, t: Trap): string {
  const lines = m.source.split('\n');
  let s = `runtime error: ${t.message}\n`;
  let prev = '';
  let repeats = 0;
  const flushRepeats = (): void => {
    if (repeats > 0) s += `  ... the frame above repeated ${repeats} more time${repeats > 1 ? 's' : ''}\n`;
    repeats = 0;
  };
  t.frames.forEach((f, i) => {
    const fn = m.functions[f.fn];
    if (fn.name === '<init>' && i === t.frames.length - 1 && i > 0) return;
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
