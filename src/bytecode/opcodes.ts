// THE opcode table. Every instruction is defined here once: its name, its operands, the kinds of
// the values it pops and pushes, whether the native tier translates it, and one line of meaning.
// The emitter, the verifier, the disassembler, the native tier, docs/bytecode.md and the
// interpreter all read this table (Lua's lopcodes.h is the model; the native column is like its
// opmode bits). Adding an instruction is one row here plus one `case` in vm/interpreter.ts (and
// one in vm/native.ts if its native column is true).
//
// Encoding: a function's code is an Int32Array; an instruction is its opcode word followed by one
// word per operand. Stack kinds: 'n' is a number slot (ints, floats, bools, chars, void), 'r' a heap
// reference. A pop/push string of '*' means the effect depends on the operands (verify.ts effect()
// resolves it).

export type OperandKind =
  | 'local' // local slot index in the current frame
  | 'global' // global slot index
  | 'num' // index into the number constant pool
  | 'str' // index into the string constant pool
  | 'imm' // small signed immediate
  | 'jump' // absolute code offset of an instruction
  | 'fn' // function index
  | 'shape' // object shape index (layout of a struct / enum variant / tuple)
  | 'ity' // integer type code (index into INT_NAMES, inttypes.ts)
  | 'kind' // 0 = number, 1 = reference
  | 'vty' // a value type (vtypes.ts), as a string constant: what a new slice or channel holds
  | 'count' // element count
  | 'field' // field slot index
  | 'builtin' // built-in function index (into BUILTINS, builtins.ts)
  | 'extern' // index into the module's extern table (C functions, ctypes.ts)
  | 'wty' // 0 = i128, 1 = u128 (vm/wide.ts)
  | 'wop' // a WOP operation (vm/wide.ts WIDE_OPS)
  | 'ctype'; // a C type code of a value in memory (ctypes.ts: bool, an integer, a float or a pointer)

export interface OpInfo {
  name: string;
  operands: OperandKind[];
  pop: string;
  push: string;
  /** the native tier (vm/native.ts) translates it; native code leaves any other instruction
   * (and the frames under it) to the interpreter, so a function using one runs natively only
   * from a loop header or the point a parked task resumes at */
  native: boolean;
  doc: string;
}

/** Opcode numbers, in table order (checked when this module loads). */
export const enum Op {
  PUSH_I,
  CONST_N,
  CONST_S,
  POP,
  DUP,
  LOAD,
  STORE,
  GLOAD,
  GSTORE,
  INC_LOCAL,
  ADD_I,
  SUB_I,
  MUL_I,
  DIV_I,
  MOD_I,
  NEG_I,
  BAND,
  BOR,
  BXOR,
  SHL,
  SHR,
  BNOT,
  LOCAL_ADD_I,
  LOCAL_SUB_IMM,
  ADD_F,
  SUB_F,
  MUL_F,
  DIV_F,
  MOD_F,
  NEG_F,
  F32,
  EQ,
  NE,
  LT,
  LE,
  GT,
  GE,
  NOT,
  EQ_S,
  CMP_S,
  JMP,
  JMP_F,
  JMP_T,
  JLT_LOCALS,
  JGE_LOCALS,
  JGE_LOCAL_IMM,
  JLT_LOCAL_IMM,
  JGT_LOCAL_IMM,
  JLE_LOCAL_IMM,
  JNE_VARIANT,
  CALL,
  RET,
  RET_LOCAL,
  TRAP,
  I2F,
  F2I,
  ICAST,
  ICHECK,
  CONCAT,
  TOSTR_I,
  TOSTR_F,
  TOSTR_B,
  TOSTR_C,
  STR_LEN,
  STR_BYTES,
  STR_INDEX,
  NEW_SLICE,
  SLICE_REPEAT,
  SLICE_LEN,
  SLICE_GET,
  SLICE_SET,
  SLICE_PUSH,
  SLICE_SUB,
  NEW_OBJ,
  GET_FIELD,
  SET_FIELD,
  VARIANT,
  BUILTIN,
  SPAWN,
  SPAWN_H,
  AWAIT,
  YIELD,
  SLEEP,
  MUTEX_LOCK,
  CHAN_NEW,
  CHAN_SEND,
  CHAN_RECV,
  CHAN_CLOSE,
  CHAN_LEN,
  CHAN_CAP,
  SELECT,
  TASK_CANCEL,
  IS_CANCELLED,
  CALL_EXTERN,
  NEW_CELL,
  CELL_ADDR,
  PTR_LOAD,
  PTR_STORE,
  BYTES_IN,
  BYTES_OUT,
  WCONST,
  WFROM_I,
  WFROM_F,
  WTO_I,
  WTO_F,
  WCAST,
  WOP,
  WNEG,
  WNOT,
  WCMP,
  WTOSTR,
  CALL_CLOSURE,
  CONCAT_N,
  NEW_BYTES,
  REPEAT_BYTES,
}

// op, name, operands, pops, pushes, native, meaning
const table = [
  // constants and stack
  [Op.PUSH_I, 'PUSH_I', ['imm'], '', 'n', true, 'push a small integer immediate'],
  [Op.CONST_N, 'CONST_N', ['num'], '', 'n', true, 'push number constant K'],
  [Op.CONST_S, 'CONST_S', ['str'], '', 'r', true, 'push string constant K (interned at load)'],
  [Op.POP, 'POP', [], '*', '', true, 'discard the top value'],
  [Op.DUP, 'DUP', [], '*', '*', true, 'duplicate the top value'],
  // locals and globals
  [Op.LOAD, 'LOAD', ['local'], '', '*', true, 'push local L'],
  [Op.STORE, 'STORE', ['local'], '*', '', true, 'pop into local L'],
  [Op.GLOAD, 'GLOAD', ['global'], '', '*', true, 'push global G'],
  [Op.GSTORE, 'GSTORE', ['global'], '*', '', true, 'pop into global G'],
  [Op.INC_LOCAL, 'INC_LOCAL', ['local', 'imm', 'ity'], '', '', true, 'local L += imm, trapping on overflow of int type T'],
  // integer arithmetic: T is the integer type; results outside its range trap
  [Op.ADD_I, 'ADD_I', ['ity'], 'nn', 'n', true, 'a + b (int type T, traps on overflow)'],
  [Op.SUB_I, 'SUB_I', ['ity'], 'nn', 'n', true, 'a - b (int type T, traps on overflow)'],
  [Op.MUL_I, 'MUL_I', ['ity'], 'nn', 'n', true, 'a * b (int type T, traps on overflow)'],
  [Op.DIV_I, 'DIV_I', ['ity'], 'nn', 'n', true, 'a / b truncated (traps on zero and overflow)'],
  [Op.MOD_I, 'MOD_I', ['ity'], 'nn', 'n', true, 'a % b, sign of a (traps on zero)'],
  [Op.NEG_I, 'NEG_I', ['ity'], 'n', 'n', true, '-a (traps on overflow)'],
  [Op.BAND, 'BAND', ['ity'], 'nn', 'n', true, 'a & b'],
  [Op.BOR, 'BOR', ['ity'], 'nn', 'n', true, 'a | b'],
  [Op.BXOR, 'BXOR', ['ity'], 'nn', 'n', true, 'a ^ b'],
  [Op.SHL, 'SHL', ['ity'], 'nn', 'n', true, 'a << b, wrapping to the width of T'],
  [Op.SHR, 'SHR', ['ity'], 'nn', 'n', true, 'a >> b (arithmetic for signed T)'],
  [Op.BNOT, 'BNOT', ['ity'], 'n', 'n', true, '~a in the width of T'],
  [Op.LOCAL_ADD_I, 'LOCAL_ADD_I', ['local', 'local', 'ity'], '', 'n', true, 'push local A + local B (fused)'],
  [Op.LOCAL_SUB_IMM, 'LOCAL_SUB_IMM', ['local', 'imm', 'ity'], '', 'n', true, 'push local A - imm (fused)'],
  // float arithmetic
  [Op.ADD_F, 'ADD_F', [], 'nn', 'n', true, 'a + b'],
  [Op.SUB_F, 'SUB_F', [], 'nn', 'n', true, 'a - b'],
  [Op.MUL_F, 'MUL_F', [], 'nn', 'n', true, 'a * b'],
  [Op.DIV_F, 'DIV_F', [], 'nn', 'n', true, 'a / b (IEEE)'],
  [Op.MOD_F, 'MOD_F', [], 'nn', 'n', true, 'a % b (IEEE)'],
  [Op.NEG_F, 'NEG_F', [], 'n', 'n', true, '-a'],
  [Op.F32, 'F32', [], 'n', 'n', true, 'round to single precision'],
  // comparisons (numbers, bools and chars compare as numbers)
  [Op.EQ, 'EQ', [], 'nn', 'n', true, 'a == b'],
  [Op.NE, 'NE', [], 'nn', 'n', true, 'a != b'],
  [Op.LT, 'LT', [], 'nn', 'n', true, 'a < b'],
  [Op.LE, 'LE', [], 'nn', 'n', true, 'a <= b'],
  [Op.GT, 'GT', [], 'nn', 'n', true, 'a > b'],
  [Op.GE, 'GE', [], 'nn', 'n', true, 'a >= b'],
  [Op.NOT, 'NOT', [], 'n', 'n', true, 'logical not of a bool'],
  [Op.EQ_S, 'EQ_S', [], 'rr', 'n', true, 'string equality'],
  [Op.CMP_S, 'CMP_S', [], 'rr', 'n', true, 'string order: -1, 0 or 1'],
  // control flow
  [Op.JMP, 'JMP', ['jump'], '', '', true, 'jump to J'],
  [Op.JMP_F, 'JMP_F', ['jump'], 'n', '', true, 'pop; jump to J if false'],
  [Op.JMP_T, 'JMP_T', ['jump'], 'n', '', true, 'pop; jump to J if true'],
  [Op.JLT_LOCALS, 'JLT_LOCALS', ['local', 'local', 'jump'], '', '', true, 'jump to J if local A < local B (fused loop test)'],
  [Op.JGE_LOCALS, 'JGE_LOCALS', ['local', 'local', 'jump'], '', '', true, 'jump to J if local A >= local B (fused loop exit)'],
  [Op.JGE_LOCAL_IMM, 'JGE_LOCAL_IMM', ['local', 'imm', 'jump'], '', '', true, 'jump to J if local A >= imm (fused compare-and-branch)'],
  [Op.JLT_LOCAL_IMM, 'JLT_LOCAL_IMM', ['local', 'imm', 'jump'], '', '', true, 'jump to J if local A < imm (fused compare-and-branch)'],
  [Op.JGT_LOCAL_IMM, 'JGT_LOCAL_IMM', ['local', 'imm', 'jump'], '', '', true, 'jump to J if local A > imm (fused compare-and-branch)'],
  [Op.JLE_LOCAL_IMM, 'JLE_LOCAL_IMM', ['local', 'imm', 'jump'], '', '', true, 'jump to J if local A <= imm (fused compare-and-branch)'],
  [Op.JNE_VARIANT, 'JNE_VARIANT', ['local', 'imm', 'jump'], '', '', true, 'jump to J unless the enum value in local A is variant imm (fused match test)'],
  [Op.CALL, 'CALL', ['fn', 'count'], '*', '*', true, 'call function F with N arguments; push its result'],
  [Op.RET, 'RET', [], '*', '', true, 'return the top value to the caller'],
  [Op.RET_LOCAL, 'RET_LOCAL', ['local'], '', '', true, 'return local L (fused)'],
  [Op.TRAP, 'TRAP', ['str'], '', '', true, 'raise a runtime error with message K'],
  // conversions
  [Op.I2F, 'I2F', [], 'n', 'n', true, 'integer to float'],
  [Op.F2I, 'F2I', ['ity'], 'n', 'n', true, 'float to int type T: truncate, saturate, NaN -> 0'],
  [Op.ICAST, 'ICAST', ['ity'], 'n', 'n', true, 'integer to int type T, wrapping (like Rust `as`)'],
  [Op.ICHECK, 'ICHECK', ['ity'], 'n', 'n', true, 'integer to int type T, trapping if out of range'],
  // strings
  [Op.CONCAT, 'CONCAT', [], 'rr', 'r', true, 'concatenate two strings'],
  [Op.TOSTR_I, 'TOSTR_I', [], 'n', 'r', true, 'integer to decimal text'],
  [Op.TOSTR_F, 'TOSTR_F', [], 'n', 'r', true, 'float to text'],
  [Op.TOSTR_B, 'TOSTR_B', [], 'n', 'r', true, 'bool to text'],
  [Op.TOSTR_C, 'TOSTR_C', [], 'n', 'r', true, 'char to text'],
  [Op.STR_LEN, 'STR_LEN', [], 'r', 'n', true, 'byte length of a string'],
  [Op.STR_BYTES, 'STR_BYTES', [], 'r', 'r', false, 'a new []u8 of the string bytes'],
  [Op.STR_INDEX, 'STR_INDEX', [], 'rn', 'n', true, 'byte i of a string (bounds checked)'],
  // slices
  [Op.NEW_SLICE, 'NEW_SLICE', ['count', 'vty'], '*', 'r', true, 'pop N elements of type V (a string constant) into a new slice of V'],
  [Op.SLICE_REPEAT, 'SLICE_REPEAT', ['kind'], '*', 'r', false, 'pop value and count; a new slice of count copies'],
  [Op.SLICE_LEN, 'SLICE_LEN', [], 'r', 'n', true, 'length of a slice'],
  [Op.SLICE_GET, 'SLICE_GET', ['kind'], 'rn', '*', true, 's[i] (bounds checked); K is the element kind'],
  [Op.SLICE_SET, 'SLICE_SET', ['kind'], '*', '', true, 's[i] = v (bounds checked); pops s, i, v'],
  [Op.SLICE_PUSH, 'SLICE_PUSH', ['kind'], '*', '', true, 'append v to s in place; pops s, v'],
  [Op.SLICE_SUB, 'SLICE_SUB', ['count'], '*', 'r', false, 's[lo:hi] sharing storage; N bit0: lo given, bit1: hi given'],
  // objects: structs, enum values, tuples
  [Op.NEW_OBJ, 'NEW_OBJ', ['shape'], '*', 'r', true, 'pop the fields of shape S into a new object'],
  [Op.GET_FIELD, 'GET_FIELD', ['field', 'kind'], 'r', '*', true, 'push field I (kind K) of an object'],
  [Op.SET_FIELD, 'SET_FIELD', ['field', 'kind'], '*', '', true, 'pops obj, v; field I := v'],
  [Op.VARIANT, 'VARIANT', [], 'r', 'n', true, 'the variant index of an enum value'],
  // built-ins
  [Op.BUILTIN, 'BUILTIN', ['builtin', 'count'], '*', '*', false, 'call runtime built-in B with N arguments'],
  // tasks: these may park the running fiber (the scheduler resumes it at the same instruction)
  [Op.SPAWN, 'SPAWN', ['fn', 'count'], '*', '', false, 'start a task running F with N arguments'],
  [Op.SPAWN_H, 'SPAWN_H', ['fn', 'count'], '*', 'r', false, 'start a task running F with N arguments; push its handle'],
  [Op.AWAIT, 'AWAIT', ['kind'], 'r', '*', false, 'pop a handle; push the task result (kind K), parking until it ends'],
  [Op.YIELD, 'YIELD', [], '', '', false, 'let other tasks run'],
  [Op.SLEEP, 'SLEEP', [], 'n', '', false, 'pop milliseconds; park on a timer'],
  [Op.MUTEX_LOCK, 'MUTEX_LOCK', [], 'r', 'n', false, 'pop a mutex; lock it, parking in its FIFO while held; push an AsthraResult'],
  // channels, select, cancellation (scheduler/chan.ts, select.ts): a parked CHAN_SEND, CHAN_RECV
  // or SELECT resumes at the same instruction, its operands still on the stack, and completes
  [Op.CHAN_NEW, 'CHAN_NEW', ['vty'], 'n', 'r', false, 'pop a capacity; push a new channel of elements of type V (a string constant)'],
  [Op.CHAN_SEND, 'CHAN_SEND', ['kind'], '*', 'n', true, 'pop a channel and a value (kind K); send it, parking until taken or room; push 0 sent, 1 closed, 2 cancelled'],
  [Op.CHAN_RECV, 'CHAN_RECV', ['kind'], 'r', '*', true, 'pop a channel; receive, parking until a value or the close; push the value (kind K) and 1, or 0 and 0 once closed'],
  [Op.CHAN_CLOSE, 'CHAN_CLOSE', [], 'r', 'n', true, 'pop a channel; close it, waking every parked task; push 0, or 1 if it was closed'],
  [Op.CHAN_LEN, 'CHAN_LEN', [], 'r', 'n', true, 'pop a channel; push the number of values buffered'],
  [Op.CHAN_CAP, 'CHAN_CAP', [], 'r', 'n', true, 'pop a channel; push its capacity'],
  [Op.SELECT, 'SELECT', ['str'], '*', 'nnrn', true, 'pop the arms\' operands (arm codes in string S); wait for one arm; push its index, number value, reference value, status'],
  [Op.TASK_CANCEL, 'TASK_CANCEL', [], 'r', 'n', false, 'pop a handle; ask its task to stop (waking it if parked); push 0'],
  [Op.IS_CANCELLED, 'IS_CANCELLED', [], '', 'n', true, 'push 1 if the running task was cancelled, else 0'],
  // C interop
  [Op.CALL_EXTERN, 'CALL_EXTERN', ['extern', 'count'], '*', '*', false, 'call C function X with N arguments (a blocking one parks the task until it returns); push its result'],
  // memory through pointers (inside unsafe)
  [Op.NEW_CELL, 'NEW_CELL', ['ctype'], '', 'r', false, 'push a new 8-byte cell holding a zero of C type T (a variable whose address is taken)'],
  [Op.CELL_ADDR, 'CELL_ADDR', [], 'r', 'n', false, 'pop a cell; push the machine address of its value'],
  [Op.PTR_LOAD, 'PTR_LOAD', ['ctype'], 'n', 'n', false, 'pop an address; push the value of C type T stored there (a runtime error for null, freed or too small C memory)'],
  [Op.PTR_STORE, 'PTR_STORE', ['ctype'], 'nn', '', false, 'pop an address and a value; store the value there as C type T'],
  [Op.BYTES_IN, 'BYTES_IN', [], 'r', 'rn', false, 'pop a []u8; push the slice to hand to BYTES_OUT and the address C gets (buf.ptr): for a byte slice, a slice of its own over the same bytes and their address in the heap, pinned; for another, the slice and a C copy of its bytes'],
  [Op.BYTES_OUT, 'BYTES_OUT', [], 'rn', '', false, 'pop the slice and the address BYTES_IN gave, after the call: unpin the bytes, or copy the C copy back into the slice and free it'],
  // i128 and u128 (vm/wide.ts): values are references to 16-byte WIDE blocks
  [Op.WCONST, 'WCONST', ['str'], '', 'r', false, 'push the i128/u128 whose decimal text is string constant K'],
  [Op.WFROM_I, 'WFROM_I', [], 'n', 'r', false, 'an integer of another type to i128/u128 (exact)'],
  [Op.WFROM_F, 'WFROM_F', ['wty'], 'n', 'r', false, 'a float to wide type W, truncated; traps on NaN or out of range'],
  [Op.WTO_I, 'WTO_I', ['ity'], 'r', 'n', false, 'an i128/u128 to int type T, trapping if out of range'],
  [Op.WTO_F, 'WTO_F', [], 'r', 'n', false, 'an i128/u128 to the nearest f64'],
  [Op.WCAST, 'WCAST', ['wty'], 'r', 'r', false, 'an i128/u128 to wide type W, trapping if out of range'],
  [Op.WOP, 'WOP', ['wop', 'wty'], 'rr', 'r', false, 'a OP b in wide type W (+ - * / % & | ^ << >>), trapping on overflow'],
  [Op.WNEG, 'WNEG', ['wty'], 'r', 'r', false, '-a in wide type W, trapping on overflow'],
  [Op.WNOT, 'WNOT', ['wty'], 'r', 'r', false, '~a in wide type W'],
  [Op.WCMP, 'WCMP', ['wty'], 'rr', 'n', false, 'compare two values of wide type W: -1, 0 or 1'],
  [Op.WTOSTR, 'WTOSTR', ['wty'], 'r', 'r', false, 'an i128/u128 of wide type W to decimal text'],
  // function values (closures): an object of a closure shape (ShapeProto.fn) made by NEW_OBJ
  [Op.CALL_CLOSURE, 'CALL_CLOSURE', ['str', 'count'], '*', '*', true, 'call the closure below N arguments: its function gets its captured fields, then the arguments; K is the signature (argument kinds, \':\', result kind, then \'|\' and the argument and result value types), checked against the function'],
  [Op.CONCAT_N, 'CONCAT_N', ['str'], '*', 'r', true, 'pop one operand per character of string K (s string, i integer, f float, b bool, c char: CONCAT_PARTS), 2 to MAX_CONCAT of them; push their text joined, made in one allocation'],
  [Op.NEW_BYTES, 'NEW_BYTES', ['count'], '*', 'r', true, 'pop N numbers into a new []u8 or []bool that holds one byte per element (each taken modulo 256)'],
  [Op.REPEAT_BYTES, 'REPEAT_BYTES', [], 'nn', 'r', false, 'pop value and count; a new []u8 or []bool of count copies of the value (modulo 256), one byte each'],
] as const;

/** The most operands one CONCAT_N joins (a longer chain is joined in groups). */
export const MAX_CONCAT = 64;
/** What a CONCAT_N operand is, one character each: a string, or a number it writes as text. */
export const CONCAT_PARTS = 'sifbc';
/** The stack kinds a CONCAT_N with operand string `parts` pops. */
export const concatPops = (parts: string): string => parts.replace(/s/g, 'r').replace(/[ifbc]/g, 'n');

/**
 * A CALL_CLOSURE signature string: argument kinds, ':', result kind, then optionally '|' and
 * the value types (vtypes.ts) of the arguments and the result, comma separated ('nr:n',
 * 'nr:n|n,[s,n'): its kinds and types, or null if malformed. A closure's function has the typed
 * form (verify.ts closureShapeSig) when its module declares types, and CALL_CLOSURE runs it only
 * when the call names exactly that signature.
 */
export function parseClosureSig(s: string): { args: string; ret: string; types?: string[] } | null {
  const m = /^([nr]*):([nr])(?:\|([^|]*))?$/.exec(s);
  if (!m) return null;
  return m[3] === undefined ? { args: m[1], ret: m[2] } : { args: m[1], ret: m[2], types: m[3].split(',') };
}

/**
 * SELECT's arm codes (one character per arm, in source order, in its string constant), with
 * the operands each arm pops, in order:
 *   c  receive, number elements: a channel       C  receive, reference elements: a channel
 *   s  send a number: a channel, the value        S  send a reference: a channel, the value
 *   w  await, number result: a handle             W  await, reference result: a handle
 *   t  after(ms): the milliseconds                d  default: nothing
 * SELECT pushes the index of the arm that ran, then the value it got (in the number slot or the
 * reference slot, by its kind; 0 in the other), then its status: a receive 1 (a value) or 0
 * (closed); a send 0 (sent), 1 (closed) or 2 (cancelled); an await, after and default 0.
 */
export const SELECT_ARMS = 'cCsSwWtd';
/** The most arms one SELECT may have. */
export const MAX_SELECT_ARMS = 64;

/** The kinds SELECT pops for arm code `c`. */
export function selectArmPops(c: string): string {
  switch (c) {
    case 'c': case 'C': case 'w': case 'W': return 'r';
    case 's': return 'rn';
    case 'S': return 'rr';
    case 't': return 'n';
    default: return '';
  }
}

export const OPS: OpInfo[] = table.map(([op, name, operands, pop, push, native, doc], i) => {
  if (op !== i) throw new Error(`opcodes: table row ${name} is out of order`);
  return { name, operands: [...operands] as OperandKind[], pop, push, native, doc };
});

/**
 * Words taken by an instruction: its opcode and one word per operand. An unknown opcode counts
 * as one word; only the verifier (which rejects it first) and the disassembler meet one.
 */
export function opSize(op: number): number {
  const info = OPS[op];
  return info === undefined ? 1 : 1 + info.operands.length;
}

/** Call f with the pc and opcode of every instruction of code, in order. */
export function forEachInstruction(code: Int32Array, f: (pc: number, op: number) => void): void {
  for (let pc = 0; pc < code.length; pc += opSize(code[pc])) f(pc, code[pc]);
}

// The built-in functions a BUILTIN instruction calls are numbered by their own table
// (builtins.ts, which names the opcodes some of them lower to: it imports this file, not the
// other way round).
