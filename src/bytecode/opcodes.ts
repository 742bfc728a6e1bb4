// THE opcode table. Every instruction is defined here once: its name, its operands, the kinds of
// the values it pops and pushes, and one line of meaning. The emitter, the verifier, the
// disassembler, docs/bytecode.md and the interpreter all read this table (Lua's lopcodes.h is the
// model). Adding an instruction is one row here plus one `case` in vm/interpreter.ts.
//
// Encoding: a function's code is an Int32Array; an instruction is its opcode word followed by one
// word per operand. Stack kinds: 'n' is a number slot (ints, floats, bools, chars, void), 'r' a heap
// reference. A pop/push string of '*' means the effect depends on the operands (see effectOf).

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
  | 'count' // element count
  | 'field' // field slot index
  | 'builtin'; // built-in function index (into BUILTINS, builtins.ts)

export interface OpInfo {
  name: string;
  operands: OperandKind[];
  pop: string;
  push: string;
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
}

const table = [
  // constants and stack
  [Op.PUSH_I, 'PUSH_I', ['imm'], '', 'n', 'push a small integer immediate'],
  [Op.CONST_N, 'CONST_N', ['num'], '', 'n', 'push number constant K'],
  [Op.CONST_S, 'CONST_S', ['str'], '', 'r', 'push string constant K (interned at load)'],
  [Op.POP, 'POP', [], '*', '', 'discard the top value'],
  [Op.DUP, 'DUP', [], '*', '*', 'duplicate the top value'],
  // locals and globals
  [Op.LOAD, 'LOAD', ['local'], '', '*', 'push local L'],
  [Op.STORE, 'STORE', ['local'], '*', '', 'pop into local L'],
  [Op.GLOAD, 'GLOAD', ['global'], '', '*', 'push global G'],
  [Op.GSTORE, 'GSTORE', ['global'], '*', '', 'pop into global G'],
  [Op.INC_LOCAL, 'INC_LOCAL', ['local', 'imm', 'ity'], '', '', 'local L += imm, trapping on overflow of int type T'],
  // integer arithmetic: T is the integer type; results outside its range trap
  [Op.ADD_I, 'ADD_I', ['ity'], 'nn', 'n', 'a + b (int type T, traps on overflow)'],
  [Op.SUB_I, 'SUB_I', ['ity'], 'nn', 'n', 'a - b (int type T, traps on overflow)'],
  [Op.MUL_I, 'MUL_I', ['ity'], 'nn', 'n', 'a * b (int type T, traps on overflow)'],
  [Op.DIV_I, 'DIV_I', ['ity'], 'nn', 'n', 'a / b truncated (traps on zero and overflow)'],
  [Op.MOD_I, 'MOD_I', ['ity'], 'nn', 'n', 'a % b, sign of a (traps on zero)'],
  [Op.NEG_I, 'NEG_I', ['ity'], 'n', 'n', '-a (traps on overflow)'],
  [Op.BAND, 'BAND', ['ity'], 'nn', 'n', 'a & b'],
  [Op.BOR, 'BOR', ['ity'], 'nn', 'n', 'a | b'],
  [Op.BXOR, 'BXOR', ['ity'], 'nn', 'n', 'a ^ b'],
  [Op.SHL, 'SHL', ['ity'], 'nn', 'n', 'a << b, wrapping to the width of T'],
  [Op.SHR, 'SHR', ['ity'], 'nn', 'n', 'a >> b (arithmetic for signed T)'],
  [Op.BNOT, 'BNOT', ['ity'], 'n', 'n', '~a in the width of T'],
  [Op.LOCAL_ADD_I, 'LOCAL_ADD_I', ['local', 'local', 'ity'], '', 'n', 'push local A + local B (fused)'],
  [Op.LOCAL_SUB_IMM, 'LOCAL_SUB_IMM', ['local', 'imm', 'ity'], '', 'n', 'push local A - imm (fused)'],
  // float arithmetic
  [Op.ADD_F, 'ADD_F', [], 'nn', 'n', 'a + b'],
  [Op.SUB_F, 'SUB_F', [], 'nn', 'n', 'a - b'],
  [Op.MUL_F, 'MUL_F', [], 'nn', 'n', 'a * b'],
  [Op.DIV_F, 'DIV_F', [], 'nn', 'n', 'a / b (IEEE)'],
  [Op.MOD_F, 'MOD_F', [], 'nn', 'n', 'a % b (IEEE)'],
  [Op.NEG_F, 'NEG_F', [], 'n', 'n', '-a'],
  [Op.F32, 'F32', [], 'n', 'n', 'round to single precision'],
  // comparisons (numbers, bools and chars compare as numbers)
  [Op.EQ, 'EQ', [], 'nn', 'n', 'a == b'],
  [Op.NE, 'NE', [], 'nn', 'n', 'a != b'],
  [Op.LT, 'LT', [], 'nn', 'n', 'a < b'],
  [Op.LE, 'LE', [], 'nn', 'n', 'a <= b'],
  [Op.GT, 'GT', [], 'nn', 'n', 'a > b'],
  [Op.GE, 'GE', [], 'nn', 'n', 'a >= b'],
  [Op.NOT, 'NOT', [], 'n', 'n', 'logical not of a bool'],
  [Op.EQ_S, 'EQ_S', [], 'rr', 'n', 'string equality'],
  [Op.CMP_S, 'CMP_S', [], 'rr', 'n', 'string order: -1, 0 or 1'],
  // control flow
  [Op.JMP, 'JMP', ['jump'], '', '', 'jump to J'],
  [Op.JMP_F, 'JMP_F', ['jump'], 'n', '', 'pop; jump to J if false'],
  [Op.JMP_T, 'JMP_T', ['jump'], 'n', '', 'pop; jump to J if true'],
  [Op.JLT_LOCALS, 'JLT_LOCALS', ['local', 'local', 'jump'], '', '', 'jump to J if local A < local B (fused loop test)'],
  [Op.JGE_LOCALS, 'JGE_LOCALS', ['local', 'local', 'jump'], '', '', 'jump to J if local A >= local B (fused loop exit)'],
  [Op.JGE_LOCAL_IMM, 'JGE_LOCAL_IMM', ['local', 'imm', 'jump'], '', '', 'jump to J if local A >= imm (fused compare-and-branch)'],
  [Op.JLT_LOCAL_IMM, 'JLT_LOCAL_IMM', ['local', 'imm', 'jump'], '', '', 'jump to J if local A < imm (fused compare-and-branch)'],
  [Op.JGT_LOCAL_IMM, 'JGT_LOCAL_IMM', ['local', 'imm', 'jump'], '', '', 'jump to J if local A > imm (fused compare-and-branch)'],
  [Op.JLE_LOCAL_IMM, 'JLE_LOCAL_IMM', ['local', 'imm', 'jump'], '', '', 'jump to J if local A <= imm (fused compare-and-branch)'],
  [Op.JNE_VARIANT, 'JNE_VARIANT', ['local', 'imm', 'jump'], '', '', 'jump to J unless the enum value in local A is variant imm (fused match test)'],
  [Op.CALL, 'CALL', ['fn', 'count'], '*', '*', 'call function F with N arguments; push its result'],
  [Op.RET, 'RET', [], '*', '', 'return the top value to the caller'],
  [Op.RET_LOCAL, 'RET_LOCAL', ['local'], '', '', 'return local L (fused)'],
  [Op.TRAP, 'TRAP', ['str'], '', '', 'raise a runtime error with message K'],
  // conversions
  [Op.I2F, 'I2F', [], 'n', 'n', 'integer to float'],
  [Op.F2I, 'F2I', ['ity'], 'n', 'n', 'float to int type T: truncate, saturate, NaN -> 0'],
  [Op.ICAST, 'ICAST', ['ity'], 'n', 'n', 'integer to int type T, wrapping (like Rust `as`)'],
  [Op.ICHECK, 'ICHECK', ['ity'], 'n', 'n', 'integer to int type T, trapping if out of range'],
  // strings
  [Op.CONCAT, 'CONCAT', [], 'rr', 'r', 'concatenate two strings'],
  [Op.TOSTR_I, 'TOSTR_I', [], 'n', 'r', 'integer to decimal text'],
  [Op.TOSTR_F, 'TOSTR_F', [], 'n', 'r', 'float to text'],
  [Op.TOSTR_B, 'TOSTR_B', [], 'n', 'r', 'bool to text'],
  [Op.TOSTR_C, 'TOSTR_C', [], 'n', 'r', 'char to text'],
  [Op.STR_LEN, 'STR_LEN', [], 'r', 'n', 'byte length of a string'],
  [Op.STR_BYTES, 'STR_BYTES', [], 'r', 'r', 'a new []u8 of the string bytes'],
  [Op.STR_INDEX, 'STR_INDEX', [], 'rn', 'n', 'byte i of a string (bounds checked)'],
  // slices
  [Op.NEW_SLICE, 'NEW_SLICE', ['count', 'kind'], '*', 'r', 'pop N elements of kind K into a new slice'],
  [Op.SLICE_REPEAT, 'SLICE_REPEAT', ['kind'], '*', 'r', 'pop value and count; a new slice of count copies'],
  [Op.SLICE_LEN, 'SLICE_LEN', [], 'r', 'n', 'length of a slice'],
  [Op.SLICE_GET, 'SLICE_GET', ['kind'], 'rn', '*', 's[i] (bounds checked); K is the element kind'],
  [Op.SLICE_SET, 'SLICE_SET', ['kind'], '*', '', 's[i] = v (bounds checked); pops s, i, v'],
  [Op.SLICE_PUSH, 'SLICE_PUSH', ['kind'], '*', '', 'append v to s in place; pops s, v'],
  [Op.SLICE_SUB, 'SLICE_SUB', ['count'], '*', 'r', 's[lo:hi] sharing storage; N bit0: lo given, bit1: hi given'],
  // objects: structs, enum values, tuples
  [Op.NEW_OBJ, 'NEW_OBJ', ['shape'], '*', 'r', 'pop the fields of shape S into a new object'],
  [Op.GET_FIELD, 'GET_FIELD', ['field', 'kind'], 'r', '*', 'push field I (kind K) of an object'],
  [Op.SET_FIELD, 'SET_FIELD', ['field', 'kind'], '*', '', 'pops obj, v; field I := v'],
  [Op.VARIANT, 'VARIANT', [], 'r', 'n', 'the variant index of an enum value'],
  // built-ins
  [Op.BUILTIN, 'BUILTIN', ['builtin', 'count'], '*', '*', 'call runtime built-in B with N arguments'],
  // tasks: these may park the running fiber (the scheduler resumes it at the same instruction)
  [Op.SPAWN, 'SPAWN', ['fn', 'count'], '*', '', 'start a task running F with N arguments'],
  [Op.SPAWN_H, 'SPAWN_H', ['fn', 'count'], '*', 'r', 'start a task running F with N arguments; push its handle'],
  [Op.AWAIT, 'AWAIT', ['kind'], 'r', '*', 'pop a handle; push the task result (kind K), parking until it ends'],
  [Op.YIELD, 'YIELD', [], '', '', 'let other tasks run'],
  [Op.SLEEP, 'SLEEP', [], 'n', '', 'pop milliseconds; park on a timer'],
  [Op.MUTEX_LOCK, 'MUTEX_LOCK', [], 'r', 'n', 'pop a mutex; lock it, parking in its FIFO while held; push an AsthraResult'],
] as const;

export const OPS: OpInfo[] = table.map(([op, name, operands, pop, push, doc], i) => {
  if (op !== i) throw new Error(`opcodes: table row ${name} is out of order`);
  return { name, operands: [...operands] as OperandKind[], pop, push, doc };
});

export function opSize(op: number): number {
  return 1 + OPS[op].operands.length;
}

// The built-in functions a BUILTIN instruction calls are numbered by their own table.
export { BUILTINS } from './builtins';
