// THE built-in function table. Every function a program can call without declaring it is one row
// here: how the user spells it (namespace and name), its parameter and result types, and how a
// call is lowered. The checker reads the signatures, the emitter the lowering, the verifier the
// stack kinds, the disassembler and docs/bytecode.md the names; the interpreter's `builtin()`
// switch (vm/interpreter.ts) holds the behaviour of the BUILTIN rows, keyed by `B`.
// Adding a built-in is one row here plus one `case` there.
//
// Language forms that look like calls but are not functions stay in the checker: `len(x)` (a
// slice or a string: STR_LEN or SLICE_LEN), `range(a, b)` (only in a for loop) and the
// conversions `i32(x)`, `string(x)`, ...
import { Op } from './opcodes';

/**
 * A parameter or result type as the user writes it. The checker turns these into its types
 * (compiler/types.ts builtinType). Two are not types but constraints on an argument:
 * 'any-printable' (an int, float, bool, char or string, passed to the VM as its text) and
 * 'any-integer' (a value of any integer type).
 */
export type Spelling =
  | 'string' | 'i32' | 'bool' | 'void' | 'never' | '[]string' | '*mut AsthraMutex' | 'AsthraResult'
  | '*const u8' | '*mut void' | 'usize' | '[]u8'
  | 'any-printable' | 'any-integer';

/** The stack kind of a value of each spelling: 'n' number, 'r' reference (see opcodes.ts). */
const KIND: Record<Spelling, 'n' | 'r'> = {
  string: 'r', '[]string': 'r', '*mut AsthraMutex': 'r', 'any-printable': 'r', '[]u8': 'r',
  i32: 'n', bool: 'n', void: 'n', never: 'n', AsthraResult: 'n', 'any-integer': 'n', '*const u8': 'n', '*mut void': 'n', usize: 'n',
};

/**
 * How a call is compiled, after its arguments are pushed in order:
 *  - builtin: `BUILTIN b, argc`. The interpreter calls `builtin(b, ...)`, which returns the
 *    result (0 for void) within the same slice; `name` is the VM's name for b.
 *  - op: a dedicated instruction, for the functions that park the running fiber (mutex_lock
 *    waits in the mutex's FIFO, sleep on a timer, yield lets other tasks run). Parking ends the
 *    slice and the scheduler resumes the fiber later, maybe on another worker; only the
 *    interpreter loop can do that, a `builtin()` call returns to it. If the instruction pushes
 *    nothing, the emitter pushes the void 0, since a call always leaves one value.
 */
export type Lowering = { kind: 'builtin'; b: B; name: string } | { kind: 'op'; op: Op };

export interface BuiltinFn {
  /** what the user writes before the name: '' for a plain call such as println(s) */
  ns: '' | 'Asthra_runtime' | 'libc';
  /** the name as the user spells it; two rows may share one if their parameter counts differ */
  name: string;
  /** also callable without its namespace: sleep(ms) is Asthra_runtime.sleep(ms) */
  bare: boolean;
  params: Spelling[];
  result: Spelling;
  lower: Lowering;
  doc: string;
}

/** One built-in as the BUILTIN instruction sees it: its B index is its position in BUILTINS. */
export interface BuiltinInfo {
  name: string;
  /** kinds of the arguments it pops, first argument first */
  pop: string;
  /** kind of the result it pushes */
  push: string;
  fn: BuiltinFn;
}

/** Built-in numbers for the interpreter's switch, in BUILTINS order (checked when this module loads). */
export const enum B {
  print,
  println,
  eprintln,
  log,
  log_tag,
  panic,
  exit,
  args,
  mutex_create,
  mutex_unlock,
  mutex_destroy,
  result_is_ok,
  slice_from_raw_parts,
  malloc,
  free,
}

const RT = 'Asthra_runtime';
const bi = (b: B, name: string): Lowering => ({ kind: 'builtin', b, name });
const op = (o: Op): Lowering => ({ kind: 'op', op: o });

// namespace, name, parameters, result, lowering, meaning (rows with a B appear in B's order)
const table: [BuiltinFn['ns'], string, Spelling[], Spelling, Lowering, string][] = [
  ['', 'print', ['string'], 'void', bi(B.print, 'print'), 'write the string to standard output'],
  ['', 'println', ['string'], 'void', bi(B.println, 'println'), 'write the string and a newline to standard output'],
  ['', 'eprintln', ['string'], 'void', bi(B.eprintln, 'eprintln'), 'write the string and a newline to standard error'],
  ['', 'log', ['any-printable'], 'void', bi(B.log, 'log'), 'write the value as text and a newline to standard output'],
  ['', 'log', ['string', 'any-printable'], 'void', bi(B.log_tag, 'log_tag'), 'write `[tag] value` and a newline to standard output'],
  ['', 'panic', ['string'], 'never', bi(B.panic, 'panic'), 'stop with the runtime error `panic: <the string>`'],
  ['', 'exit', ['i32'], 'never', bi(B.exit, 'exit'), 'end the program with an exit code'],
  ['', 'args', [], '[]string', bi(B.args, 'args'), 'the command-line arguments after the program file'],
  [RT, 'mutex_create', [], '*mut AsthraMutex', bi(B.mutex_create, 'mutex_create'), 'a new unlocked mutex'],
  [RT, 'mutex_lock', ['*mut AsthraMutex'], 'AsthraResult', op(Op.MUTEX_LOCK), 'lock a mutex, parking the task while another one holds it'],
  [RT, 'mutex_unlock', ['*mut AsthraMutex'], 'AsthraResult', bi(B.mutex_unlock, 'mutex_unlock'), 'unlock a mutex this task holds, handing it to the first waiting task'],
  [RT, 'mutex_destroy', ['*mut AsthraMutex'], 'AsthraResult', bi(B.mutex_destroy, 'mutex_destroy'), 'destroy a mutex (an error result while it is locked)'],
  [RT, 'result_is_ok', ['AsthraResult'], 'bool', bi(B.result_is_ok, 'result_is_ok'), 'whether a runtime call succeeded'],
  [RT, 'slice_from_raw_parts', ['*const u8', 'usize', 'bool', 'i32'], '[]u8', bi(B.slice_from_raw_parts, 'slice_from_raw_parts'), 'a []u8 holding a copy of len bytes of C memory at ptr (ownership_gc: the runtime then frees that memory with free())'],
  ['libc', 'malloc', ['usize'], '*mut void', bi(B.malloc, 'malloc'), 'C memory of n bytes from the C allocator (zero-filled), which the collector never touches; free it with libc.free'],
  ['libc', 'free', ['*mut void'], 'void', bi(B.free, 'free'), 'give back memory libc.malloc returned (a second free of it is a runtime error)'],
  [RT, 'yield', [], 'void', op(Op.YIELD), 'let other tasks run'],
  [RT, 'sleep', ['any-integer'], 'void', op(Op.SLEEP), 'park the task for at least this many milliseconds'],
  [RT, 'is_cancelled', [], 'bool', op(Op.IS_CANCELLED), 'whether the running task was asked to stop (h.cancel())'],
];

/** Callable without the namespace too. */
const BARE = new Set(['sleep']);

export const BUILTIN_FNS: BuiltinFn[] = table.map(([ns, name, params, result, lower, doc]) => ({
  ns, name, bare: BARE.has(name), params, result, lower, doc,
}));

export const BUILTINS: BuiltinInfo[] = [];
for (const fn of BUILTIN_FNS) {
  if (BUILTIN_FNS.some((g) => g !== fn && g.ns === fn.ns && g.name === fn.name && g.params.length === fn.params.length)) {
    throw new Error(`builtins: two rows for ${fn.name} with ${fn.params.length} parameters`);
  }
  if (fn.lower.kind !== 'builtin') continue;
  if (fn.lower.b !== BUILTINS.length) throw new Error(`builtins: row ${fn.lower.name} is out of order`);
  BUILTINS.push({ name: fn.lower.name, pop: fn.params.map((p) => KIND[p]).join(''), push: KIND[fn.result], fn });
}

/** The stack kind of a value of spelling s. */
export function kindOf(s: Spelling): 'n' | 'r' {
  return KIND[s];
}

/** The rows a call `name(...)` (ns '') or `ns.name(...)` may mean: one per parameter count. */
export function builtinsNamed(ns: BuiltinFn['ns'], name: string): BuiltinFn[] {
  return BUILTIN_FNS.filter((f) => f.name === name && (f.ns === ns || (ns === '' && f.bare)));
}

/** How messages name a built-in: `'println'`, `Asthra_runtime.sleep`. */
export function builtinTitle(f: BuiltinFn): string {
  return f.ns ? `${f.ns}.${f.name}` : `'${f.name}'`;
}
