// The verifier's second analysis: after stackShapes (verify.ts) has proved every path has the
// right stack depth and 'n'/'r' kinds, this one tracks what kind of object every stack slot and
// local holds (vtypes.ts: string, slice of K, object of shape S, task handle, mutex, channel of
// K, cell) by abstract interpretation over the control-flow graph, joining states where paths
// meet, as the JVM's verifier tracks classes. It rejects every instruction applied to the wrong
// kind of object (SLICE_PUSH on a string, MUTEX_LOCK on a string, AWAIT on a slice, a task
// handle printed as a string), every field access outside the object's shape, and every read of
// a local that some path reaches without writing it.
//
// What it cannot see: a reference that enters a function through a parameter, a global, a
// field, a slice element or a call result carries no type in the file ('r'), so it is accepted
// where any reference is; the VM's own checks (bounds, tags) cover those.
import { BUILTINS, type Spelling } from './builtins';
import { CType } from './ctypes';
import type { FnProto, Module } from './module';
import { OPS, Op, opSize } from './opcodes';
import {
  ANY_REF, CELL, MIXED, MUTEX, NUM, STR, UNWRITTEN, VType, WANT_ANY_CHAN, WANT_ANY_HANDLE, WANT_ANY_SLICE, WANT_CELL,
  WANT_MUTEX, WANT_OBJ, WANT_STR, Want, chanOf, describe, handleOf, join, objOf, ofKind, sliceOf, wantChan, wantHandle, wantSlice,
} from './vtypes';

/** The error a failed check raises; verify.ts wraps it in its VerifyError. */
export type Fail = (pc: number, msg: string) => never;

interface State {
  stack: VType[];
  locals: VType[];
}

const TERMINATORS = new Set<number>([Op.RET, Op.RET_LOCAL, Op.JMP, Op.TRAP]);

/** Fused instructions that read the locals they name (operand positions). */
const LOCAL_READS: Partial<Record<number, number[]>> = {
  [Op.INC_LOCAL]: [0], [Op.LOCAL_ADD_I]: [0, 1], [Op.LOCAL_SUB_IMM]: [0], [Op.JLT_LOCALS]: [0, 1], [Op.JGE_LOCALS]: [0, 1],
  [Op.JGE_LOCAL_IMM]: [0], [Op.JLT_LOCAL_IMM]: [0], [Op.JGT_LOCAL_IMM]: [0], [Op.JLE_LOCAL_IMM]: [0], [Op.JNE_VARIANT]: [0],
  [Op.RET_LOCAL]: [0],
};

function builtinParam(s: Spelling): Want | null {
  switch (s) {
    case 'string': case 'any-printable': return WANT_STR;
    case '*mut AsthraMutex': return WANT_MUTEX;
    default: return null;
  }
}

function builtinResult(s: Spelling): VType {
  switch (s) {
    case 'string': return STR;
    case '*mut AsthraMutex': return MUTEX;
    case '[]string': return sliceOf('r');
    case '[]u8': return sliceOf('n');
    default: return NUM;
  }
}

/** Check the object types of one function (whose stack shapes verify.ts has already checked). */
export function typecheckFunction(m: Module, fn: FnProto, fail: Fail): void {
  const code = fn.code;
  const states: (State | undefined)[] = new Array(code.length);
  const locals: VType[] = [];
  for (let i = 0; i < fn.nlocals; i++) locals.push(i < fn.arity ? ofKind(fn.localKinds[i]) : UNWRITTEN);
  states[0] = { stack: [], locals };
  const work: number[] = [0];
  const queued = new Uint8Array(code.length);
  queued[0] = 1;

  const flow = (to: number, s: State): void => {
    const seen = states[to];
    if (seen === undefined) {
      states[to] = { stack: s.stack.slice(), locals: s.locals.slice() };
    } else {
      let changed = false;
      for (let i = 0; i < seen.stack.length; i++) {
        const j = join(seen.stack[i], s.stack[i]);
        if (j !== seen.stack[i]) {
          seen.stack[i] = j;
          changed = true;
        }
      }
      for (let i = 0; i < seen.locals.length; i++) {
        const j = join(seen.locals[i], s.locals[i]);
        if (j !== seen.locals[i]) {
          seen.locals[i] = j;
          changed = true;
        }
      }
      if (!changed) return;
    }
    if (!queued[to]) {
      queued[to] = 1;
      work.push(to);
    }
  };

  /**
   * The state after the instruction at pc. With `checking` off (while the states still climb to
   * their fixpoint) nothing fails: a check made against a state that a later join widens could
   * reject valid code. The final pass runs every reachable instruction once more, checking.
   */
  const step = (pc: number, at: State, checking: boolean): State => {
    const stack = at.stack.slice();
    const loc = at.locals.slice();
    const op = code[pc];
    const name = OPS[op].name;
    const a = code[pc + 1];
    const b = code[pc + 2];

    /** Pop a value that must satisfy `want` (null: any value both paths agree on). */
    const pop = (want: Want | null, what: string): VType => {
      const t = stack.pop()!;
      if (!checking) return t;
      if (t === MIXED) fail(pc, `${name} pops ${what}, but paths to here bring different kinds of object`);
      if (want !== null && t !== ANY_REF && !want.test(t)) fail(pc, `${name} expects ${want.what} as ${what}, found ${describe(m, t)}`);
      return t;
    };
    const popN = (n: number, what: string): void => {
      for (let i = n; i > 0; i--) pop(null, `${what} ${i}`);
    };
    const checkField = (t: VType, field: number, kind: number): void => {
      if (!checking || t.length < 2 || t[0] !== 'o') return;
      const shape = m.shapes[Number(t.slice(1))];
      if (field >= shape.refs.length) fail(pc, `${name} names field ${field} of an object of shape '${shape.name}', which has ${shape.refs.length} fields`);
      if (shape.refs[field] !== kind) fail(pc, `${name} treats field ${field} of shape '${shape.name}' as a ${kind ? 'reference' : 'number'}; it holds a ${kind ? 'number' : 'reference'}`);
    };

    if (checking) for (const i of LOCAL_READS[op] ?? []) {
      if (loc[code[pc + 1 + i]] === UNWRITTEN) fail(pc, `${name} reads local ${code[pc + 1 + i]}, which is not written on every path to here`);
    }

    switch (op) {
      case Op.CONST_S: stack.push(STR); break;
      case Op.POP: stack.pop(); break;
      case Op.DUP: stack.push(stack[stack.length - 1]); break;
      case Op.LOAD:
        if (checking && loc[a] === UNWRITTEN) fail(pc, `LOAD reads local ${a}, which is not written on every path to here`);
        stack.push(loc[a]);
        break;
      case Op.STORE: loc[a] = stack.pop()!; break;
      case Op.GLOAD: stack.push(ofKind(m.globals[a].kind)); break;
      case Op.GSTORE: pop(null, 'the value'); break;
      case Op.INC_LOCAL: break;
      case Op.JNE_VARIANT:
        if (checking && loc[a] !== ANY_REF && !WANT_OBJ.test(loc[a])) fail(pc, `JNE_VARIANT expects local ${a} to hold an enum value, found ${describe(m, loc[a])}`);
        break;
      case Op.RET_LOCAL:
        if (checking && loc[a] === MIXED) fail(pc, `RET_LOCAL returns local ${a}, but paths to here bring different kinds of object`);
        break;
      case Op.CALL: {
        popN(b, 'argument');
        stack.push(ofKind(m.functions[a].retKind));
        break;
      }
      case Op.SPAWN: popN(b, 'argument'); break;
      case Op.SPAWN_H: popN(b, 'argument'); stack.push(handleOf(m.functions[a].retKind)); break;
      case Op.AWAIT: pop(wantHandle(a), 'the handle'); stack.push(ofKind(a)); break;
      case Op.TASK_CANCEL: pop(WANT_ANY_HANDLE, 'the handle'); stack.push(NUM); break;
      case Op.RET: pop(null, 'the result'); break;
      case Op.EQ_S: case Op.CMP_S:
        pop(WANT_STR, 'the right operand');
        pop(WANT_STR, 'the left operand');
        stack.push(NUM);
        break;
      case Op.CONCAT:
        pop(WANT_STR, 'the right operand');
        pop(WANT_STR, 'the left operand');
        stack.push(STR);
        break;
      case Op.TOSTR_I: case Op.TOSTR_F: case Op.TOSTR_B: case Op.TOSTR_C: stack.pop(); stack.push(STR); break;
      case Op.STR_LEN: pop(WANT_STR, 'the string'); stack.push(NUM); break;
      case Op.STR_BYTES: pop(WANT_STR, 'the string'); stack.push(sliceOf('n')); break;
      case Op.STR_INDEX: stack.pop(); pop(WANT_STR, 'the string'); stack.push(NUM); break;
      case Op.NEW_SLICE: popN(a, 'element'); stack.push(sliceOf(b)); break;
      case Op.SLICE_REPEAT: stack.pop(); pop(null, 'the value'); stack.push(sliceOf(a)); break;
      case Op.SLICE_LEN: pop(WANT_ANY_SLICE, 'the slice'); stack.push(NUM); break;
      case Op.SLICE_GET: stack.pop(); pop(wantSlice(a), 'the slice'); stack.push(ofKind(a)); break;
      case Op.SLICE_SET: pop(null, 'the value'); stack.pop(); pop(wantSlice(a), 'the slice'); break;
      case Op.SLICE_PUSH: pop(null, 'the value'); pop(wantSlice(a), 'the slice'); break;
      case Op.SLICE_SUB: {
        if (a & 1) stack.pop();
        if (a & 2) stack.pop();
        const t = pop(WANT_ANY_SLICE, 'the slice');
        stack.push(t);
        break;
      }
      case Op.NEW_OBJ: popN(m.shapes[a].refs.length, 'field'); stack.push(objOf(a)); break;
      case Op.GET_FIELD: checkField(pop(WANT_OBJ, 'the object'), a, b); stack.push(ofKind(b)); break;
      case Op.SET_FIELD: {
        pop(null, 'the value');
        checkField(pop(WANT_OBJ, 'the object'), a, b);
        break;
      }
      case Op.VARIANT: pop(WANT_OBJ, 'the enum value'); stack.push(NUM); break;
      case Op.BUILTIN: {
        const bi = BUILTINS[a];
        for (let i = bi.fn.params.length - 1; i >= 0; i--) {
          const want = builtinParam(bi.fn.params[i]);
          if (want === null) stack.pop();
          else pop(want, `argument ${i + 1} of '${bi.name}'`);
        }
        stack.push(builtinResult(bi.fn.result));
        break;
      }
      case Op.MUTEX_LOCK: pop(WANT_MUTEX, 'the mutex'); stack.push(NUM); break;
      case Op.CHAN_NEW: stack.pop(); stack.push(chanOf(a)); break;
      case Op.CHAN_SEND: pop(null, 'the value'); pop(wantChan(a), 'the channel'); stack.push(NUM); break;
      case Op.CHAN_RECV: pop(wantChan(a), 'the channel'); stack.push(ofKind(a), NUM); break;
      case Op.CHAN_CLOSE: case Op.CHAN_LEN: case Op.CHAN_CAP: pop(WANT_ANY_CHAN, 'the channel'); stack.push(NUM); break;
      case Op.SELECT: {
        const arms = m.strings[a];
        for (let i = arms.length - 1; i >= 0; i--) {
          const c = arms[i];
          const what = `the operand of arm ${i + 1}`;
          switch (c) {
            case 'c': case 'C': pop(wantChan(c === 'C' ? 'r' : 'n'), what); break;
            case 's': case 'S': pop(null, what); pop(wantChan(c === 'S' ? 'r' : 'n'), what); break;
            case 'w': case 'W': pop(wantHandle(c === 'W' ? 'r' : 'n'), what); break;
            case 't': stack.pop(); break;
            default: break;
          }
        }
        stack.push(NUM, NUM, ANY_REF, NUM);
        break;
      }
      case Op.CALL_EXTERN: {
        const x = m.externs[a];
        for (let i = x.params.length - 1; i >= 0; i--) {
          if (x.params[i] === CType.String) pop(WANT_STR, `C argument ${i + 1} of '${x.name}'`);
          else stack.pop();
        }
        stack.push(x.ret === CType.String ? STR : NUM);
        break;
      }
      case Op.NEW_CELL: stack.push(CELL); break;
      case Op.CELL_ADDR: pop(WANT_CELL, 'the cell'); stack.push(NUM); break;
      default: {
        // every other instruction pops and pushes numbers only (the table says so; stackShapes checked it)
        const info = OPS[op];
        for (let i = 0; i < info.pop.length; i++) stack.pop();
        for (const k of info.push) stack.push(ofKind(k));
      }
    }

    return { stack, locals: loc };
  };

  /**
   * A JNE_VARIANT edge no run can take: its local holds an object of one known shape, whose
   * variant decides the test (how `if let Some(x) = None` compiles).
   */
  const deadEdge = (pc: number, at: State, jump: boolean): boolean => {
    if (code[pc] !== Op.JNE_VARIANT) return false;
    const t = at.locals[code[pc + 1]];
    if (t[0] !== 'o' || t.length < 2) return false;
    const same = m.shapes[Number(t.slice(1))].variant === code[pc + 2];
    return jump ? same : !same;
  };

  while (work.length) {
    const pc = work.pop()!;
    queued[pc] = 0;
    const at = states[pc]!;
    const next = step(pc, at, false);
    const op = code[pc];
    OPS[op].operands.forEach((kind, i) => {
      if (kind === 'jump' && !deadEdge(pc, at, true)) flow(code[pc + 1 + i], next);
    });
    if (!TERMINATORS.has(op) && !deadEdge(pc, at, false)) flow(pc + opSize(op), next);
  }
  for (let pc = 0; pc < code.length; pc++) {
    const at = states[pc];
    if (at !== undefined) step(pc, at, true);
  }
}
