// The verifier: no function runs before it passes. One walk per function decodes every
// instruction against the opcode table (operands in range, jumps on instruction boundaries),
// then a worklist over the control-flow graph derives the kind ('n' number / 'r' reference) of
// every stack slot at every reachable instruction, rejecting underflow, overflow past max-stack,
// kind mismatches and joins with different stack shapes ("inconsistent stack", as QuickJS says).
// The emitter uses the same analysis to compute each function's max-stack.
import { INT_NAMES } from './inttypes';
import { BUILTINS } from './builtins';
import { CONCAT_PARTS, MAX_CONCAT, MAX_SELECT_ARMS, OPS, concatPops, Op, OperandKind, SELECT_ARMS, forEachInstruction, opSize, parseClosureSig, selectArmPops } from './opcodes';
import { MainKind } from './module';
import { localType, typecheckFunction } from './typecheck';
import { describe, kindOfType, validType } from './vtypes';
import type { FnProto, Module } from './module';
import { validWideConstant } from './wide';
import { CTYPE_COUNT, CTYPE_NAMES, CType, MAX_CALLBACK_PARAMS, ctypeIsRef, isMemoryCType } from './ctypes';

export class VerifyError extends Error {
  constructor(readonly fnName: string, readonly pc: number, message: string) {
    super(`function '${fnName}' at pc ${pc}: ${message}`);
  }
}

const KIND = ['n', 'r'];

/** Kinds popped and pushed by the instruction at pc, resolving the table's '*' entries. */
function effect(m: Module, fn: FnProto, code: Int32Array, pc: number, stack: string): { pop: string; push: string } {
  const op = code[pc];
  const info = OPS[op];
  const a = code[pc + 1];
  const b = code[pc + 2];
  const top = stack[stack.length - 1] ?? 'n';
  switch (op) {
    case Op.POP: return { pop: top, push: '' };
    case Op.DUP: return { pop: top, push: top + top };
    case Op.LOAD: return { pop: '', push: KIND[fn.localKinds[a]] };
    case Op.STORE: return { pop: KIND[fn.localKinds[a]], push: '' };
    case Op.GLOAD: return { pop: '', push: KIND[m.globals[a].kind] };
    case Op.GSTORE: return { pop: KIND[m.globals[a].kind], push: '' };
    case Op.CALL: {
      const callee = m.functions[a];
      return { pop: [...callee.localKinds.slice(0, b)].map((k) => KIND[k]).join(''), push: KIND[callee.retKind] };
    }
    case Op.SPAWN: case Op.SPAWN_H: {
      const callee = m.functions[a];
      return { pop: [...callee.localKinds.slice(0, b)].map((k) => KIND[k]).join(''), push: op === Op.SPAWN ? '' : 'r' };
    }
    case Op.AWAIT: return { pop: 'r', push: KIND[a] };
    case Op.RET: return { pop: KIND[fn.retKind], push: '' };
    case Op.NEW_SLICE: return { pop: kindOfType(m.strings[b]).repeat(a), push: 'r' };
    case Op.NEW_BYTES: return { pop: 'n'.repeat(a), push: 'r' };
    case Op.CONCAT_N: return { pop: concatPops(m.strings[a]), push: 'r' };
    case Op.SLICE_REPEAT: return { pop: KIND[a] + 'n', push: 'r' };
    case Op.SLICE_GET: return { pop: 'rn', push: KIND[a] };
    case Op.SLICE_SET: return { pop: 'rn' + KIND[a], push: '' };
    case Op.SLICE_PUSH: return { pop: 'r' + KIND[a], push: '' };
    case Op.SLICE_SUB: return { pop: 'r' + (a & 1 ? 'n' : '') + (a & 2 ? 'n' : ''), push: 'r' };
    case Op.NEW_OBJ: return { pop: [...m.shapes[a].refs].map((k) => KIND[k]).join(''), push: 'r' };
    case Op.GET_FIELD: return { pop: 'r', push: KIND[b] };
    case Op.SET_FIELD: return { pop: 'r' + KIND[b], push: '' };
    case Op.BUILTIN: return { pop: BUILTINS[a].pop, push: BUILTINS[a].push };
    case Op.CHAN_SEND: return { pop: 'r' + KIND[a], push: 'n' };
    case Op.CHAN_RECV: return { pop: 'r', push: KIND[a] + 'n' };
    case Op.SELECT: return { pop: [...m.strings[a]].map(selectArmPops).join(''), push: 'nnrn' };
    case Op.CALL_CLOSURE: {
      const sig = parseClosureSig(m.strings[a]);
      return { pop: 'r' + (sig?.args ?? ''), push: sig?.ret ?? 'n' };
    }
    case Op.CALL_EXTERN: {
      const x = m.externs[a];
      return { pop: [...x.params].map((t) => (ctypeIsRef(t) ? 'r' : 'n')).join(''), push: ctypeIsRef(x.ret) ? 'r' : 'n' };
    }
    default: return { pop: info.pop, push: info.push };
  }
}

function operandLimit(m: Module, fn: FnProto, kind: OperandKind): number {
  switch (kind) {
    case 'local': return fn.nlocals;
    case 'global': return m.globals.length;
    case 'num': return m.numbers.length;
    case 'str': return m.strings.length;
    case 'fn': return m.functions.length;
    case 'shape': return m.shapes.length;
    case 'ity': return INT_NAMES.length;
    case 'kind': return 2;
    case 'vty': return m.strings.length;
    case 'builtin': return BUILTINS.length;
    case 'extern': return m.externs.length;
    case 'ctype': return CTYPE_COUNT;
    case 'wty': return 2;
    case 'wop': return 10;
    case 'field': case 'count': return 1 << 20;
    case 'imm': case 'jump': return Infinity;
  }
}

const TERMINATORS = new Set<number>([Op.RET, Op.RET_LOCAL, Op.JMP, Op.TRAP]);
/** Fused instructions that do arithmetic or comparisons on the locals they name. */
const NUMERIC_LOCAL_OPS = new Set<number>([
  Op.INC_LOCAL, Op.LOCAL_ADD_I, Op.LOCAL_SUB_IMM, Op.JLT_LOCALS, Op.JGE_LOCALS,
  Op.JGE_LOCAL_IMM, Op.JLT_LOCAL_IMM, Op.JGT_LOCAL_IMM, Op.JLE_LOCAL_IMM,
]);

/** Verify one function; returns the max stack height it reaches. */
export function analyze(m: Module, fn: FnProto): number {
  return stackShapes(m, fn).max;
}

/**
 * Verify one function and return the stack shape (kinds, bottom first) before every reachable
 * instruction (undefined where unreachable), with the max height. The native tier compiles
 * from these shapes, and the collector will read them as stack maps.
 */
export function stackShapes(m: Module, fn: FnProto): { max: number; at: (string | undefined)[] } {
  const code = fn.code;
  const fail = (pc: number, msg: string): never => {
    throw new VerifyError(fn.name, pc, msg);
  };
  if (fn.arity > fn.nlocals) fail(0, `arity ${fn.arity} exceeds ${fn.nlocals} locals`);
  if (fn.localKinds.length !== fn.nlocals) fail(0, 'local kind table does not match the local count');
  // pass 1: decode, mark instruction starts, check operands
  const starts = new Uint8Array(code.length + 1);
  forEachInstruction(code, (pc, op) => {
    starts[pc] = 1;
    if (op < 0 || op >= OPS.length) fail(pc, `unknown opcode ${op}`);
    const info = OPS[op];
    if (pc + opSize(op) > code.length) fail(pc, `${info.name} is cut off by the end of the code`);
    info.operands.forEach((kind, i) => {
      const v = code[pc + 1 + i];
      if (kind === 'imm' || kind === 'jump') return;
      if (v < 0 || v >= operandLimit(m, fn, kind)) fail(pc, `${info.name} operand ${i + 1} (${kind}) = ${v} is out of range`);
      if (kind === 'vty' && !validType(m, m.strings[v])) fail(pc, `${info.name} names ${JSON.stringify(m.strings[v])} as its element type, which is not a value type`);
    });
    if ((op === Op.CALL || op === Op.SPAWN || op === Op.SPAWN_H) && code[pc + 2] !== m.functions[code[pc + 1]].arity) {
      fail(pc, `${info.name} passes ${code[pc + 2]} arguments to '${m.functions[code[pc + 1]].name}', which takes ${m.functions[code[pc + 1]].arity}`);
    }
    if (op === Op.CONCAT_N) {
      const parts = m.strings[code[pc + 1]];
      if (parts.length < 2 || parts.length > MAX_CONCAT) fail(pc, `CONCAT_N joins ${parts.length} operands (2 to ${MAX_CONCAT})`);
      for (const c of parts) if (!CONCAT_PARTS.includes(c)) fail(pc, `CONCAT_N operand code '${c}' is not one of ${CONCAT_PARTS}`);
    }
    if (op === Op.BUILTIN && code[pc + 2] !== BUILTINS[code[pc + 1]].pop.length) {
      fail(pc, `BUILTIN passes ${code[pc + 2]} arguments to '${BUILTINS[code[pc + 1]].name}', which takes ${BUILTINS[code[pc + 1]].pop.length}`);
    }
    if (op === Op.CALL_CLOSURE) {
      const sig = parseClosureSig(m.strings[code[pc + 1]]);
      if (sig === null) fail(pc, `CALL_CLOSURE signature '${m.strings[code[pc + 1]]}' is not argument kinds, ':' and a result kind (like 'nr:n')`);
      if (sig !== null && sig.args.length !== code[pc + 2]) fail(pc, `CALL_CLOSURE passes ${code[pc + 2]} arguments, its signature '${m.strings[code[pc + 1]]}' ${sig?.args.length}`);
      if (sig?.types !== undefined) {
        const kinds = sig.args + sig.ret;
        if (sig.types.length !== kinds.length || sig.types.some((t, i) => !validType(m, t) || kindOfType(t) !== kinds[i])) {
          fail(pc, `CALL_CLOSURE signature '${m.strings[code[pc + 1]]}' does not give a value type of each argument's and the result's kind after its '|'`);
        }
      }
    }
    if (op === Op.CALL_EXTERN && code[pc + 2] !== m.externs[code[pc + 1]].params.length) {
      fail(pc, `CALL_EXTERN passes ${code[pc + 2]} arguments to '${m.externs[code[pc + 1]].name}', which takes ${m.externs[code[pc + 1]].params.length}`);
    }
    if (op === Op.WCONST && !validWideConstant(m.strings[code[pc + 1]])) {
      fail(pc, `WCONST names string ${code[pc + 1]}, which is not a decimal integer an i128 or u128 holds`);
    }
    if (info.operands[0] === 'ctype' && !isMemoryCType(code[pc + 1])) {
      fail(pc, `${info.name} names C type ${CTYPE_NAMES[code[pc + 1]]}, which is not a value in memory (bool, an integer, a float or a pointer)`);
    }
    if (NUMERIC_LOCAL_OPS.has(op)) {
      info.operands.forEach((kind, i) => {
        if (kind === 'local' && fn.localKinds[code[pc + 1 + i]] !== 0) fail(pc, `${info.name} operand ${i + 1} names local ${code[pc + 1 + i]}, which holds a reference`);
      });
    }
    if (op === Op.JNE_VARIANT && fn.localKinds[code[pc + 1]] !== 1) fail(pc, `JNE_VARIANT names local ${code[pc + 1]}, which holds a number`);
    if (op === Op.GET_FIELD || op === Op.SET_FIELD) {
      if (code[pc + 2] > 1) fail(pc, 'bad kind operand');
    }
    if (op === Op.SELECT) {
      const arms = m.strings[code[pc + 1]];
      if (arms.length === 0 || arms.length > MAX_SELECT_ARMS) fail(pc, `SELECT has ${arms.length} arms (1 to ${MAX_SELECT_ARMS})`);
      for (const c of arms) if (!SELECT_ARMS.includes(c)) fail(pc, `SELECT arm code '${c}' is not one of ${SELECT_ARMS}`);
      for (const once of 'dt') if (arms.split(once).length > 2) fail(pc, `SELECT has more than one '${once}' arm`);
    }
  });
  if (code.length === 0) fail(0, 'empty function');
  // pass 2: jump targets
  forEachInstruction(code, (pc, op) => {
    OPS[op].operands.forEach((kind, i) => {
      if (kind !== 'jump') return;
      const t = code[pc + 1 + i];
      if (t < 0 || t >= code.length || !starts[t]) fail(pc, `jump target ${t} is not an instruction boundary`);
    });
  });
  // pass 3: stack kinds along every path
  const at: (string | undefined)[] = new Array(code.length);
  const work: number[] = [0];
  at[0] = '';
  let max = 0;
  const flow = (from: number, to: number, stack: string): void => {
    if (to >= code.length) fail(from, 'control falls off the end of the function');
    const seen = at[to];
    if (seen === undefined) {
      at[to] = stack;
      work.push(to);
    } else if (seen !== stack) {
      fail(to, `inconsistent stack at a join: [${seen}] vs [${stack}]`);
    }
  };
  while (work.length) {
    const pc = work.pop()!;
    let stack = at[pc]!;
    const op = code[pc];
    const { pop, push } = effect(m, fn, code, pc, stack);
    if (stack.length < pop.length) fail(pc, `${OPS[op].name} needs ${pop.length} values, the stack has ${stack.length}`);
    const got = stack.slice(stack.length - pop.length);
    if (got !== pop) fail(pc, `${OPS[op].name} expects [${pop}] on the stack, found [${got}]`);
    stack = stack.slice(0, stack.length - pop.length) + push;
    if (stack.length > max) max = stack.length;
    const next = pc + opSize(op);
    OPS[op].operands.forEach((kind, i) => {
      if (kind === 'jump') flow(pc, code[pc + 1 + i], stack);
    });
    if (op === Op.RET_LOCAL && KIND[fn.localKinds[code[pc + 1]]] !== KIND[fn.retKind]) fail(pc, 'RET_LOCAL returns a value of the wrong kind');
    if (!TERMINATORS.has(op)) flow(pc, next, stack);
  }
  return { max, at };
}

/** Check the extern table: C types known, `void` only as a result, names present. */
export function verifyExterns(m: Module): void {
  m.externs.forEach((x, i) => {
    const bad = (msg: string): never => {
      throw new VerifyError('<externs>', i, `extern ${i} ('${x.name}'): ${msg}`);
    };
    if (x.symbol === '' || x.name === '') bad('has no name or no C symbol');
    if (x.symbol.includes('\0') || x.lib.includes('\0')) bad('a name holds a NUL byte');
    if (x.ret >= CTYPE_COUNT) bad(`result type code ${x.ret} is unknown`);
    if (x.ret === CType.FnPtr) bad('a C function cannot return a callback');
    x.params.forEach((t, k) => {
      if (t >= CTYPE_COUNT) bad(`parameter ${k + 1} has unknown type code ${t}`);
      if (t === CType.Void) bad(`parameter ${k + 1} has type void`);
    });
    if (x.params.length > 32) bad(`takes ${x.params.length} parameters (at most 32)`);
    if (!x.blocking && x.params.includes(CType.FnPtr)) bad('takes a callback, so it cannot be non-blocking');
  });
  m.callbacks.forEach((c, i) => {
    const bad = (msg: string): never => {
      throw new VerifyError('<callbacks>', i, `callback ${i}: ${msg}`);
    };
    if (c.fn <= 0 || c.fn >= m.functions.length || c.fn === m.entry) bad(`function ${c.fn} does not exist`);
    const f = m.functions[c.fn];
    if (f.arity !== c.params.length) bad(`'${f.name}' takes ${f.arity} arguments, the C signature ${c.params.length}`);
    if (c.params.length > MAX_CALLBACK_PARAMS) bad(`takes ${c.params.length} parameters (at most ${MAX_CALLBACK_PARAMS})`);
    for (let k = 0; k < f.arity; k++) if (f.localKinds[k] !== 0) bad(`parameter ${k + 1} of '${f.name}' holds a reference; a callback takes numbers`);
    c.params.forEach((t, k) => {
      if (t >= CTYPE_COUNT || t === CType.Void || t === CType.String || t === CType.FnPtr) bad(`parameter ${k + 1} has C type code ${t}`);
    });
    if (c.ret >= CTYPE_COUNT || c.ret === CType.String || c.ret === CType.FnPtr) bad(`result has C type code ${c.ret}`);
  });
}

const MAIN_KIND_NAMES = ['void (no exit code)', 'an exit code (an integer)', 'a Result'];

/**
 * Check the closure shapes: each names a function (not the entry) whose first parameters have
 * the kinds of the shape's fields, so CALL_CLOSURE can pass them.
 */
export function verifyClosureShapes(m: Module): void {
  m.shapes.forEach((s, i) => {
    if (s.fn === undefined) return;
    const bad = (msg: string): never => {
      throw new VerifyError('<shapes>', i, `closure shape ${i} ('${s.name}'): ${msg}`);
    };
    if (!Number.isInteger(s.fn) || s.fn < 0 || s.fn >= m.functions.length || s.fn === m.entry) bad(`function ${s.fn} does not exist`);
    const f = m.functions[s.fn];
    if (f.arity < s.refs.length) bad(`'${f.name}' takes ${f.arity} parameters, fewer than the ${s.refs.length} captured fields`);
    s.refs.forEach((k, j) => {
      if (f.localKinds[j] !== k) bad(`field ${j} is a ${k ? 'reference' : 'number'}, parameter ${j + 1} of '${f.name}' a ${k ? 'number' : 'reference'}`);
      // CALL_CLOSURE passes the fields as these parameters: NEW_OBJ's checks must be the callee's
      if (s.fields !== undefined && s.fields[j] !== localType(f, j)) bad(`field ${j} is declared ${describe(m, s.fields[j])}, parameter ${j + 1} of '${f.name}' ${describe(m, localType(f, j))}`);
    });
  });
}

/** Check the shapes' declared field types: one per field, each a value type of its field's kind. */
export function verifyShapeFields(m: Module): void {
  m.shapes.forEach((s, i) => {
    if (s.fields === undefined) return;
    const bad = (msg: string): never => {
      throw new VerifyError('<shapes>', i, `shape ${i} ('${s.name}'): ${msg} (the file is corrupt; recompile it from its source)`);
    };
    if (s.fields.length !== s.refs.length) bad(`declares types for ${s.fields.length} fields; it has ${s.refs.length}`);
    s.fields.forEach((t, j) => {
      if (!validType(m, t)) bad(`field ${j} is declared of type '${t}', which is not a value type`);
      if ((kindOfType(t) === 'r' ? 1 : 0) !== s.refs[j]) bad(`field ${j} is declared ${describe(m, t)}, but it holds a ${s.refs[j] ? 'reference' : 'number'}`);
    });
  });
}

/**
 * The CALL_CLOSURE signature (opcodes.ts parseClosureSig) a closure shape's function has once
 * its captured fields are passed: what a call must name to run it.
 */
export function closureShapeSig(m: Module, shape: number): string | null {
  const s = m.shapes[shape];
  if (s.fn === undefined) return null;
  const f = m.functions[s.fn];
  const kinds = [...f.localKinds.slice(s.refs.length, f.arity)].map((k) => KIND[k]).join('') + ':' + KIND[f.retKind];
  if (f.localTypes === undefined || f.retType === undefined) return kinds;
  return kinds + '|' + [...f.localTypes.slice(s.refs.length, f.arity), f.retType].join(',');
}

export function verifyModule(m: Module): void {
  if (m.entry < 0 || m.entry >= m.functions.length) throw new VerifyError('<module>', 0, `entry function ${m.entry} does not exist`);
  verifyExterns(m);
  verifyShapeFields(m);
  verifyClosureShapes(m);
  m.globals.forEach((g, i) => {
    const t = g.type;
    if (t !== undefined && (!validType(m, t) || (kindOfType(t) === 'r' ? 1 : 0) !== g.kind)) {
      throw new VerifyError('<globals>', i, `global '${g.name}' is declared of type '${t}', which is not a value type of its slot's kind (the file is corrupt; recompile it from its source)`);
    }
  });
  for (const fn of m.functions) {
    const max = analyze(m, fn);
    if (max > fn.maxStack) throw new VerifyError(fn.name, 0, `stack reaches ${max}, above the declared max-stack ${fn.maxStack}`);
    typecheckFunction(m, fn, (pc, msg) => {
      throw new VerifyError(fn.name, pc, msg);
    });
  }
  const entry = m.functions[m.entry];
  if (entry.arity !== 0) throw new VerifyError(entry.name, 0, `the entry function takes ${entry.arity} arguments; it must take none`);
  if (m.mainKind > MainKind.Result || (entry.retKind === 1) !== (m.mainKind === MainKind.Result)) {
    throw new VerifyError(entry.name, 0, `the file says main returns ${MAIN_KIND_NAMES[m.mainKind] ?? `kind ${m.mainKind}`}, but the entry function returns a ${entry.retKind === 1 ? 'reference' : 'number'}: the file is corrupt, recompile it from its source`);
  }
}
