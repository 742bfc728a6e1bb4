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
 * 'any-integer' (a value of any integer type), 'number' (a value of any integer or float type,
 * which the VM holds as the same double either way) and, as a result, 'same-number' (the type
 * of the 'number' arguments: an integer type when all are that type, else f64).
 */
export type Spelling =
  | 'string' | 'i32' | 'bool' | 'void' | 'never' | '[]string' | '*mut AsthraMutex' | 'AsthraResult'
  | '*const u8' | '*mut void' | 'usize' | '[]u8'
  | 'f64' | 'any-printable' | 'any-integer' | 'number' | 'same-number';

/** The stack kind of a value of each spelling: 'n' number, 'r' reference (see opcodes.ts). */
const KIND: Record<Spelling, 'n' | 'r'> = {
  f64: 'n', number: 'n', 'same-number': 'n',
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
  ns: '' | 'Asthra_runtime' | 'libc' | StdModule;
  /** the name as the user spells it; two rows may share one if their parameter counts differ */
  name: string;
  /** also callable without its namespace: sleep(ms) is Asthra_runtime.sleep(ms) */
  bare: boolean;
  params: Spelling[];
  result: Spelling;
  lower: Lowering;
  doc: string;
}

/**
 * The standard modules: `io.println(x)`, `str.split(s, ",")`, `math.sqrt(x)`, `os.args()`. They
 * need no import (`import "std/math" as m;` gives another name to one); a program's own name
 * (a variable, a function, an import) hides them. Each function is a row of this table: every
 * one is a single JavaScript library call, which a function written in Asthra would only wrap.
 */
export const STD_MODULES = ['io', 'str', 'math', 'os'] as const;
export type StdModule = (typeof STD_MODULES)[number];

/** The standard modules' constants (`math.PI`): their f64 values. */
export const STD_CONSTANTS: Record<string, number> = { 'math.PI': Math.PI, 'math.E': Math.E };

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
  io_print,
  io_println,
  io_eprintln,
  io_read_line,
  str_upper,
  str_lower,
  str_contains,
  str_starts_with,
  str_ends_with,
  str_trim,
  str_to_int,
  str_to_float,
  str_is_int,
  str_is_float,
  str_from_int,
  str_from_float,
  str_index_of,
  str_replace,
  str_split,
  str_join,
  str_repeat,
  math_sqrt,
  math_pow,
  math_abs,
  math_min,
  math_max,
  math_floor,
  math_ceil,
  math_round,
  math_trunc,
  math_sin,
  math_cos,
  math_tan,
  math_asin,
  math_acos,
  math_atan,
  math_atan2,
  math_exp,
  math_log,
  math_log10,
  math_log2,
  os_getenv,
  os_clock,
  os_time,
  os_args,
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
  ['io', 'print', ['any-printable'], 'void', bi(B.io_print, 'io.print'), 'write the value as text to standard output'],
  ['io', 'println', ['any-printable'], 'void', bi(B.io_println, 'io.println'), 'write the value as text and a newline to standard output'],
  ['io', 'eprintln', ['any-printable'], 'void', bi(B.io_eprintln, 'io.eprintln'), 'write the value as text and a newline to standard error'],
  ['io', 'read_line', [], 'string', bi(B.io_read_line, 'io.read_line'), 'the next line of standard input without its line end ("" at the end of input)'],
  ['str', 'upper', ['string'], 'string', bi(B.str_upper, 'str.upper'), 'the string in upper case (Unicode rules)'],
  ['str', 'lower', ['string'], 'string', bi(B.str_lower, 'str.lower'), 'the string in lower case (Unicode rules)'],
  ['str', 'contains', ['string', 'string'], 'bool', bi(B.str_contains, 'str.contains'), 'whether the second string occurs in the first'],
  ['str', 'starts_with', ['string', 'string'], 'bool', bi(B.str_starts_with, 'str.starts_with'), 'whether the first string begins with the second'],
  ['str', 'ends_with', ['string', 'string'], 'bool', bi(B.str_ends_with, 'str.ends_with'), 'whether the first string ends with the second'],
  ['str', 'trim', ['string'], 'string', bi(B.str_trim, 'str.trim'), 'the string without white space at either end'],
  ['str', 'to_int', ['string'], 'i32', bi(B.str_to_int, 'str.to_int'), 'the i32 the string spells (optional sign, decimal digits); anything else is a runtime error'],
  ['str', 'to_float', ['string'], 'f64', bi(B.str_to_float, 'str.to_float'), 'the f64 the string spells (3.14, -1e9, inf, NaN); anything else is a runtime error'],
  ['str', 'is_int', ['string'], 'bool', bi(B.str_is_int, 'str.is_int'), 'whether str.to_int would accept the string'],
  ['str', 'is_float', ['string'], 'bool', bi(B.str_is_float, 'str.is_float'), 'whether str.to_float would accept the string'],
  ['str', 'from_int', ['any-integer'], 'string', bi(B.str_from_int, 'str.from_int'), 'the integer in decimal'],
  ['str', 'from_float', ['number'], 'string', bi(B.str_from_float, 'str.from_float'), 'the number as text, as log prints it'],
  ['str', 'index_of', ['string', 'string'], 'i32', bi(B.str_index_of, 'str.index_of'), 'the byte offset of the first occurrence of the second string in the first, or -1'],
  ['str', 'replace', ['string', 'string', 'string'], 'string', bi(B.str_replace, 'str.replace'), 'the first string with every occurrence of the second replaced by the third'],
  ['str', 'split', ['string', 'string'], '[]string', bi(B.str_split, 'str.split'), 'the parts of the first string between occurrences of the second (an empty separator splits into characters)'],
  ['str', 'join', ['[]string', 'string'], 'string', bi(B.str_join, 'str.join'), 'the strings joined with the separator between them'],
  ['str', 'repeat', ['string', 'any-integer'], 'string', bi(B.str_repeat, 'str.repeat'), 'the string repeated n times (a negative n is a runtime error)'],
  ['math', 'sqrt', ['number'], 'f64', bi(B.math_sqrt, 'math.sqrt'), 'square root (NaN below 0)'],
  ['math', 'pow', ['number', 'number'], 'f64', bi(B.math_pow, 'math.pow'), 'the first number to the power of the second'],
  ['math', 'abs', ['number'], 'same-number', bi(B.math_abs, 'math.abs'), 'absolute value, of the argument\'s type'],
  ['math', 'min', ['number', 'number'], 'same-number', bi(B.math_min, 'math.min'), 'the smaller number (f64 when one is a float)'],
  ['math', 'max', ['number', 'number'], 'same-number', bi(B.math_max, 'math.max'), 'the larger number (f64 when one is a float)'],
  ['math', 'floor', ['number'], 'f64', bi(B.math_floor, 'math.floor'), 'the largest integral value not above x'],
  ['math', 'ceil', ['number'], 'f64', bi(B.math_ceil, 'math.ceil'), 'the smallest integral value not below x'],
  ['math', 'round', ['number'], 'f64', bi(B.math_round, 'math.round'), 'x rounded to the nearest integral value, halves away from zero'],
  ['math', 'trunc', ['number'], 'f64', bi(B.math_trunc, 'math.trunc'), 'x without its fraction'],
  ['math', 'sin', ['number'], 'f64', bi(B.math_sin, 'math.sin'), 'sine (radians)'],
  ['math', 'cos', ['number'], 'f64', bi(B.math_cos, 'math.cos'), 'cosine (radians)'],
  ['math', 'tan', ['number'], 'f64', bi(B.math_tan, 'math.tan'), 'tangent (radians)'],
  ['math', 'asin', ['number'], 'f64', bi(B.math_asin, 'math.asin'), 'arcsine, in radians'],
  ['math', 'acos', ['number'], 'f64', bi(B.math_acos, 'math.acos'), 'arccosine, in radians'],
  ['math', 'atan', ['number'], 'f64', bi(B.math_atan, 'math.atan'), 'arctangent, in radians'],
  ['math', 'atan2', ['number', 'number'], 'f64', bi(B.math_atan2, 'math.atan2'), 'the angle of the point (x, y) given as (y, x), in radians'],
  ['math', 'exp', ['number'], 'f64', bi(B.math_exp, 'math.exp'), 'e to the power of x'],
  ['math', 'log', ['number'], 'f64', bi(B.math_log, 'math.log'), 'natural logarithm (-Infinity at 0, NaN below)'],
  ['math', 'log10', ['number'], 'f64', bi(B.math_log10, 'math.log10'), 'base-10 logarithm'],
  ['math', 'log2', ['number'], 'f64', bi(B.math_log2, 'math.log2'), 'base-2 logarithm'],
  ['os', 'getenv', ['string'], 'string', bi(B.os_getenv, 'os.getenv'), 'the environment variable\'s value ("" when it is not set)'],
  ['os', 'clock', [], 'f64', bi(B.os_clock, 'os.clock'), 'CPU time the process has used, in seconds'],
  ['os', 'time', [], 'f64', bi(B.os_time, 'os.time'), 'wall-clock time since 1970-01-01 UTC, in seconds'],
  ['os', 'args', [], '[]string', bi(B.os_args, 'os.args'), 'the program file, then the command-line arguments after it'],
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
  // `std.math.sqrt`: the module pass (compiler/modules.ts) writes a standard module's calls so
  const std = ns === '' && name.startsWith('std.') ? name.slice(4).split('.') : null;
  if (std) return BUILTIN_FNS.filter((f) => f.ns === std[0] && f.name === std[1]);
  return BUILTIN_FNS.filter((f) => f.name === name && (f.ns === ns || (ns === '' && f.bare)));
}

/** How messages name a built-in: `'println'`, `Asthra_runtime.sleep`. */
export function builtinTitle(f: BuiltinFn): string {
  return f.ns ? `${f.ns}.${f.name}` : `'${f.name}'`;
}

/**
 * The built-ins that write a string out (and panic, which stops with one): they neither
 * allocate nor park, so the native tier calls them inline too.
 */
export const OUTPUT_BUILTINS: ReadonlySet<number> = new Set([B.print, B.println, B.eprintln, B.log, B.log_tag, B.panic]);

/**
 * The built-ins that take and give numbers only, as the functions that compute them: the
 * interpreter calls these, and the native tier (vm/native.ts) calls the same ones inline, so a
 * numeric function using math.sqrt still runs as machine code.
 */
export const NUMERIC_BUILTINS: Partial<Record<B, (...a: number[]) => number>> = {
  [B.math_sqrt]: Math.sqrt,
  [B.math_pow]: Math.pow,
  [B.math_abs]: Math.abs,
  [B.math_min]: (a, b) => Math.min(a, b),
  [B.math_max]: (a, b) => Math.max(a, b),
  [B.math_floor]: Math.floor,
  [B.math_ceil]: Math.ceil,
  // halves away from zero (C's round; Math.round takes -2.5 to -2)
  [B.math_round]: (x) => (x < 0 ? -Math.round(-x) : Math.round(x)),
  [B.math_trunc]: Math.trunc,
  [B.math_sin]: Math.sin,
  [B.math_cos]: Math.cos,
  [B.math_tan]: Math.tan,
  [B.math_asin]: Math.asin,
  [B.math_acos]: Math.acos,
  [B.math_atan]: Math.atan,
  [B.math_atan2]: Math.atan2,
  [B.math_exp]: Math.exp,
  [B.math_log]: Math.log,
  [B.math_log10]: Math.log10,
  [B.math_log2]: Math.log2,
};
