// The verifier's second analysis: after stackShapes (verify.ts) has proved every path has the
// right stack depth and 'n'/'r' kinds, this one tracks what kind of object every stack slot and
// local holds (vtypes.ts: string, slice of K, object of shape S, task handle, mutex, channel of
// K, cell) by abstract interpretation over the control-flow graph, joining states where paths
// meet, as the JVM's verifier tracks classes. It rejects every instruction applied to the wrong
// kind of object (SLICE_PUSH on a string, MUTEX_LOCK on a string, AWAIT on a slice, a task
// handle printed as a string), every field access outside the object's shape, and every read of
// a local that some path reaches without writing it.
//
// Parameters start with the types the file's TYPES section declares for them, fields have the
// types its FIELDS section declares; arguments, results, globals and stored fields are checked
// against the declarations, and call results, globals and fields read back as declared. A field
// is read or written only on an object of a known shape (or set of shapes, each having that
// field): an enum value is a set of variant shapes, and a JNE_VARIANT narrows the local it tests
// to the shapes of its variant on the fall-through edge and to the others on the jump edge (how
// a match, an `if let`, `?` and a dyn call's dispatch read a payload). A NEW_SLICE or CHAN_NEW
// names its element type, so an empty slice or a new channel has one. The reference a SELECT
// delivers has the type its arms agree on; when they differ (or some arm delivers nothing) it
// is held as the select's own type (UP:b, vtypes.ts) until the code tests the select's arm index
// (LOAD index; PUSH_I k; EQ; JMP_F / JMP_T) and, for a receive arm, its status: each edge keeps
// what is still possible, and the value becomes the type that delivers. A CHAN_RECV of a
// reference is held so too until its status is tested (a closed channel leaves a 0).
import { BUILTINS, type Spelling } from './builtins';
import { CType } from './ctypes';
import type { FnProto, Module, ShapeProto } from './module';
import { OPS, Op, opSize, parseClosureSig } from './opcodes';
import {
  CELL, WIDE, WANT_WIDE, MIXED, MUTEX, NUM, STR, UNWRITTEN, VType, WANT_ANY_CHAN, WANT_ANY_HANDLE, WANT_ANY_SLICE, WANT_CELL,
  WANT_MUTEX, WANT_OBJ, WANT_STR, Want, chanOf, describe, fits, handleOf, join, kindOfType, objOf, objOfSet, ofKind, shapeSet,
  isNumType, sliceOf, validType, wantChan, wantHandle, wantSlice, wantType,
} from './vtypes';

/** The declared type of local i of fn (of unknown kind beyond its stack kind when the module has no TYPES). */
export function localType(fn: FnProto, i: number): VType {
  return fn.localTypes?.[i] ?? ofKind(fn.localKinds[i]);
}

export function resultType(fn: FnProto): VType {
  return fn.retType ?? ofKind(fn.retKind);
}

export function globalType(m: Module, g: number): VType {
  return m.globals[g].type ?? ofKind(m.globals[g].kind);
}

/** The declared type of field i of a shape (of unknown kind beyond its stack kind when the module has no FIELDS). */
export function fieldType(shape: ShapeProto, i: number): VType {
  return shape.fields?.[i] ?? ofKind(shape.refs[i]);
}

/** Check a function's declared types: well formed, one per local, each of its slot's kind. */
export function checkDeclaredTypes(m: Module, fn: FnProto, fail: Fail): void {
  if (fn.localTypes !== undefined && fn.localTypes.length !== fn.nlocals) fail(0, `declares types for ${fn.localTypes.length} locals; it has ${fn.nlocals}`);
  const check = (t: VType, kind: number, what: string): void => {
    if (!validType(m, t)) fail(0, `the file declares ${what} of type '${t}', which is not a value type (the file is corrupt; recompile it from its source)`);
    if ((kindOfType(t) === 'r' ? 1 : 0) !== kind) fail(0, `the file declares ${what} as ${describe(m, t)}, but its slot holds a ${kind ? 'reference' : 'number'}`);
  };
  if (fn.localTypes !== undefined) for (let i = 0; i < fn.nlocals; i++) check(fn.localTypes[i], fn.localKinds[i], `local ${i}`);
  if (fn.retType !== undefined) check(fn.retType, fn.retKind, 'the result');
}

/** The error a failed check raises; verify.ts wraps it in its VerifyError. */
export type Fail = (pc: number, msg: string) => never;

/**
 * What is known at one point: the stack's types, the reference locals' types, and which number
 * locals are written (a number local is NUM or UNWRITTEN, so a bit holds it). States are kept
 * only at the first instruction of each basic block, so the memory is blocks x (reference
 * locals + number locals / 32 words), not instructions x locals: a 10,000-deep nest of loops
 * has tens of thousands of both.
 */
interface State {
  stack: VType[];
  refs: VType[];
  written: Uint32Array;
  /** number locals holding a select's arm index, a test of it or a status (IP, EP:k, SP), by local; null: none */
  tags: Map<number, VType> | null;
}

/** Where each local lives in a State: its index in `refs`, or ~bit for a number local. */
function localIndex(fn: FnProto): Int32Array {
  const at = new Int32Array(fn.nlocals);
  let r = 0;
  let n = 0;
  for (let i = 0; i < fn.nlocals; i++) at[i] = fn.localKinds[i] === 1 ? r++ : ~n++;
  return at;
}

const copyState = (s: State): State => ({ stack: s.stack.slice(), refs: s.refs.slice(), written: s.written.slice(), tags: s.tags === null ? null : new Map(s.tags) });

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
    case '[]string': return sliceOf(STR);
    case '[]u8': return sliceOf('n');
    default: return NUM;
  }
}

/** Check the object types of one function (whose stack shapes verify.ts has already checked). */
export function typecheckFunction(m: Module, fn: FnProto, fail: Fail): void {
  const code = fn.code;
  checkDeclaredTypes(m, fn, fail);
  const index = localIndex(fn);
  let nrefs = 0;
  for (let i = 0; i < fn.nlocals; i++) if (index[i] >= 0) nrefs++;
  const start: State = { stack: [], refs: new Array(nrefs).fill(UNWRITTEN), written: new Uint32Array((fn.nlocals - nrefs + 31) >>> 5), tags: null };
  const setLocal = (s: State, i: number, t: VType): void => {
    const x = index[i];
    if (x >= 0) {
      s.refs[x] = t;
      return;
    }
    if (t !== NUM && t !== UNWRITTEN && isNumType(t)) (s.tags ??= new Map()).set(i, t);
    else s.tags?.delete(i);
    if (t === UNWRITTEN) s.written[~x >>> 5] &= ~(1 << (~x & 31));
    else s.written[~x >>> 5] |= 1 << (~x & 31);
  };
  const getLocal = (s: State, i: number): VType => {
    const x = index[i];
    if (x >= 0) return s.refs[x];
    if (!(s.written[~x >>> 5] & (1 << (~x & 31)))) return UNWRITTEN;
    return s.tags?.get(i) ?? NUM;
  };
  for (let i = 0; i < fn.arity; i++) setLocal(start, i, localType(fn, i));
  const ret = wantType(m, resultType(fn));

  // the first instruction of every basic block: the entry, jump targets, and what follows a
  // jump or a terminator
  const leader = new Uint8Array(code.length);
  leader[0] = 1;
  /** pc + 1 of the instruction before each one (0 for the first) */
  const prev = new Int32Array(code.length);
  for (let pc = 0; pc < code.length; pc += opSize(code[pc])) {
    const op = code[pc];
    if (pc + opSize(op) < code.length) prev[pc + opSize(op)] = pc + 1;
    const info = OPS[op];
    let jumps = false;
    info.operands.forEach((kind, i) => {
      if (kind !== 'jump') return;
      jumps = true;
      const t = code[pc + 1 + i];
      if (t >= 0 && t < code.length) leader[t] = 1;
    });
    const next = pc + opSize(op);
    if ((jumps || TERMINATORS.has(op)) && next < code.length) leader[next] = 1;
  }
  const states = new Map<number, State>([[0, copyState(start)]]);
  const work: number[] = [0];
  const queued = new Uint8Array(code.length);
  queued[0] = 1;

  const flow = (to: number, s: State): void => {
    const seen = states.get(to);
    if (seen === undefined) {
      states.set(to, copyState(s));
    } else {
      let changed = false;
      for (let i = 0; i < seen.stack.length; i++) {
        const j = join(seen.stack[i], s.stack[i]);
        if (j !== seen.stack[i]) {
          seen.stack[i] = j;
          changed = true;
        }
      }
      for (let i = 0; i < seen.refs.length; i++) {
        const j = join(seen.refs[i], s.refs[i]);
        if (j !== seen.refs[i]) {
          seen.refs[i] = j;
          changed = true;
        }
      }
      // a number local is written after the join only if it is written on both paths
      for (let i = 0; i < seen.written.length; i++) {
        const w = (seen.written[i] & s.written[i]) >>> 0;
        if (w !== seen.written[i]) {
          seen.written[i] = w;
          changed = true;
        }
      }
      // and holds a select's arm index (or a test of it) only if it holds the same on both
      if (seen.tags !== null) {
        for (const [i, t] of seen.tags) {
          if (s.tags?.get(i) !== t) {
            seen.tags.delete(i);
            changed = true;
          }
        }
        if (seen.tags.size === 0) seen.tags = null;
      }
      if (!changed) return;
    }
    if (!queued[to]) {
      queued[to] = 1;
      work.push(to);
    }
  };

  /**
   * per SELECT or reference CHAN_RECV (by pc): what its reference slot holds, two positions per
   * arm: 2i when arm i ran and delivered its value, 2i+1 when it ran and left a 0 (a receive
   * from a closed channel, or cancelled); null where the slot holds 0
   */
  const armTypes = new Map<number, (VType | null)[]>();
  /** per SELECT or CHAN_RECV: its arm codes (a CHAN_RECV is one receive arm, 'C') */
  const armCodes = new Map<number, string>();
  /** the entries of armTypes a narrowing has read during this run of the worklist */
  const tableRead = new Set<number>();
  /** an entry changed after a narrowing had read it: the run must be made again */
  let tableChanged = false;

  /** Does type t come from the SELECT at pc p (IP, EP:k, UP:b)? */
  const fromSelect = (t: VType, p: number): boolean => {
    const c = t[0];
    if (c !== 'I' && c !== 'E' && c !== 'U' && c !== 'S') return false;
    const tag = String(p);
    return t.startsWith(tag, 1) && (t.length === tag.length + 1 || t[tag.length + 1] === ':');
  };
  /** The SELECT at pc p runs again: its previous index and tests are numbers, its value unusable. */
  const forgetSelect = (s: State, p: number): void => {
    for (let i = 0; i < s.stack.length; i++) if (fromSelect(s.stack[i], p)) s.stack[i] = s.stack[i][0] === 'U' ? MIXED : NUM;
    for (let i = 0; i < s.refs.length; i++) if (fromSelect(s.refs[i], p)) s.refs[i] = MIXED;
    if (s.tags !== null) for (const [i, t] of s.tags) if (fromSelect(t, p)) s.tags.delete(i);
  };
  /**
   * An edge on which something is known of the SELECT (or CHAN_RECV) at p: `keep(pos)` says
   * which positions (see armTypes) are still possible. Every value of it keeps only those, and
   * becomes the type they all deliver if they agree (unusable if the one left holds 0).
   */
  const narrowSelect = (s: State, p: number, keep: (pos: number) => boolean): void => {
    const types = armTypes.get(p);
    tableRead.add(p);
    const narrow = (t: VType): VType => {
      if (t[0] !== 'U' || !fromSelect(t, p)) return t;
      const c = t.indexOf(':');
      let bits = t.slice(0, c + 1);
      const open: (VType | null)[] = [];
      for (let i = c + 1; i < t.length; i++) {
        const pos = i - c - 1;
        const kept = t[i] === '1' && keep(pos);
        bits += kept ? '1' : '0';
        if (kept) open.push(types === undefined ? null : types[pos] ?? null);
      }
      if (open.length === 0) return MIXED;
      if (types === undefined) return bits;
      if (open.some((x) => x === null)) return open.length === 1 ? MIXED : bits;
      return open.every((x) => x === open[0]) ? open[0]! : bits;
    };
    for (let i = 0; i < s.stack.length; i++) s.stack[i] = narrow(s.stack[i]);
    for (let i = 0; i < s.refs.length; i++) s.refs[i] = narrow(s.refs[i]);
  };

  /**
   * The type of the reference slot of the SELECT (or CHAN_RECV) at pc, in state `at`: `delivered`
   * per arm (null: none), `bits` the positions possible at first. Records the arm types (they
   * climb with the states), makes what the instruction gave on its previous run stale, and
   * returns the one type every position holds, or the instruction's own type until a test
   * narrows it.
   */
  const held = (at: State, pc: number, arms: string, delivered: (VType | null)[], bits: string): VType => {
    forgetSelect(at, pc);
    const stale = armTypes.get(pc);
    const types: (VType | null)[] = [];
    delivered.forEach((t, i) => {
      const was = stale?.[2 * i];
      types.push(t === null ? null : was === undefined || was === null ? t : join(was, t), null);
    });
    if (stale === undefined || types.some((t, i) => t !== stale[i])) {
      armTypes.set(pc, types);
      if (tableRead.has(pc)) tableChanged = true;
    }
    armCodes.set(pc, arms);
    const open = types.filter((_, i) => bits[i] === '1');
    if (open.every((t) => t !== null && t === open[0])) return open[0]!;
    if (open.every((t) => t === null)) return MIXED;
    return `U${pc}:${bits}`;
  };

  /**
   * Apply the instruction at pc to the state `at` (in place). With `checking` off (while the
   * states still climb to their fixpoint) nothing fails: a check made against a state that a
   * later join widens could reject valid code. The final pass runs every reachable block once
   * more, checking.
   */
  const step = (pc: number, at: State, checking: boolean): void => {
    const stack = at.stack;
    const op = code[pc];
    const name = OPS[op].name;
    const a = code[pc + 1];
    const b = code[pc + 2];

    /** Pop a value that must satisfy `want` (null: any value both paths agree on). */
    const pop = (want: Want | null, what: string): VType => {
      const t = stack.pop()!;
      if (!checking) return t;
      if (t === MIXED) fail(pc, `${name} pops ${what}, but paths to here bring different kinds of object`);
      if (want !== null && !want.test(t)) fail(pc, `${name} expects ${want.what} as ${what}, found ${describe(m, t)}`);
      return t;
    };
    const popN = (n: number, what: string): void => {
      for (let i = n; i > 0; i--) pop(null, `${what} ${i}`);
    };
    const popArgs = (callee: FnProto, n: number): void => {
      for (let i = n - 1; i >= 0; i--) pop(wantType(m, localType(callee, i)), `argument ${i + 1} of '${callee.name}'`);
    };
    /** The element type of container type t (c is '[', 'h' or 'c'), or one of kind k if unknown. */
    const inner = (t: VType, c: string, k: number): VType => (t[0] === c ? t.slice(1) : ofKind(k));
    /**
     * The type of field `field`, used as kind `kind`, of an object of type t: every shape t may
     * be must have the field, of that kind (the join of their declared types).
     */
    const fieldOf = (t: VType, field: number, kind: number): VType => {
      if (t[0] !== 'o') return ofKind(kind);
      if (t.length === 1) {
        if (checking) fail(pc, `${name} uses field ${field} of an object of unknown shape (a function value, or objects of different kinds on different paths); only a field of a known shape can be used`);
        return ofKind(kind);
      }
      const set = shapeSet(t);
      const may = set.length > 1 ? 'that may be of' : 'of';
      let out: VType | null = null;
      for (const x of set) {
        const shape = m.shapes[x];
        if (field >= shape.refs.length || shape.refs[field] !== kind) {
          if (!checking) return ofKind(kind);
          if (field >= shape.refs.length) fail(pc, `${name} names field ${field} of an object ${may} shape '${shape.name}', which has ${shape.refs.length} fields${set.length > 1 ? ' (test its variant first)' : ''}`);
          fail(pc, `${name} treats field ${field} of shape '${shape.name}' as a ${kind ? 'reference' : 'number'}; it holds a ${kind ? 'number' : 'reference'}`);
        }
        const ft = fieldType(shape, field);
        out = out === null ? ft : join(out, ft);
      }
      return out ?? ofKind(kind);
    };

    // an instruction that names a number local may change it: it no longer holds an arm index
    if (at.tags !== null && op !== Op.LOAD) {
      OPS[op].operands.forEach((kind, i) => {
        if (kind === 'local') at.tags!.delete(code[pc + 1 + i]);
      });
    }
    if (checking) for (const i of LOCAL_READS[op] ?? []) {
      if (getLocal(at, code[pc + 1 + i]) === UNWRITTEN) fail(pc, `${name} reads local ${code[pc + 1 + i]}, which is not written on every path to here`);
    }

    switch (op) {
      case Op.CONST_S: stack.push(STR); break;
      case Op.POP: stack.pop(); break;
      case Op.DUP: stack.push(stack[stack.length - 1]); break;
      case Op.LOAD:
        if (checking && getLocal(at, a) === UNWRITTEN) fail(pc, `LOAD reads local ${a}, which is not written on every path to here`);
        stack.push(getLocal(at, a));
        break;
      case Op.STORE: setLocal(at, a, stack.pop()!); break;
      case Op.GLOAD: stack.push(globalType(m, a)); break;
      case Op.GSTORE: pop(wantType(m, globalType(m, a)), `the value of global '${m.globals[a].name}'`); break;
      case Op.INC_LOCAL: break;
      case Op.JNE_VARIANT: {
        const t = getLocal(at, a);
        if (checking && !WANT_OBJ.test(t)) fail(pc, `JNE_VARIANT expects local ${a} to hold an enum value, found ${describe(m, t)}`);
        break;
      }
      case Op.RET_LOCAL: {
        const t = getLocal(at, a);
        if (checking && t === MIXED) fail(pc, `RET_LOCAL returns local ${a}, but paths to here bring different kinds of object`);
        if (checking && !ret.test(t)) fail(pc, `RET_LOCAL expects local ${a} to hold ${ret.what}, the declared result, found ${describe(m, t)}`);
        break;
      }
      case Op.CALL: popArgs(m.functions[a], b); stack.push(resultType(m.functions[a])); break;
      case Op.SPAWN: popArgs(m.functions[a], b); break;
      case Op.SPAWN_H: popArgs(m.functions[a], b); stack.push(handleOf(resultType(m.functions[a]))); break;
      case Op.AWAIT: stack.push(inner(pop(wantHandle(a), 'the handle'), 'h', a)); break;
      case Op.TASK_CANCEL: pop(WANT_ANY_HANDLE, 'the handle'); stack.push(NUM); break;
      case Op.RET: pop(ret, 'the result'); break;
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
      case Op.CONCAT_N: {
        const parts = m.strings[a];
        for (let i = parts.length - 1; i >= 0; i--) pop(parts[i] === 's' ? WANT_STR : null, `operand ${i + 1}`);
        stack.push(STR);
        break;
      }
      case Op.TOSTR_I: case Op.TOSTR_F: case Op.TOSTR_B: case Op.TOSTR_C: stack.pop(); stack.push(STR); break;
      case Op.STR_LEN: pop(WANT_STR, 'the string'); stack.push(NUM); break;
      case Op.STR_BYTES: pop(WANT_STR, 'the string'); stack.push(sliceOf('n')); break;
      case Op.STR_INDEX: stack.pop(); pop(WANT_STR, 'the string'); stack.push(NUM); break;
      case Op.NEW_SLICE: {
        // the slice holds what its instruction says (an empty one too), every element fitting
        const elem = m.strings[b];
        for (let i = a; i > 0; i--) pop(wantType(m, elem), `element ${i}`);
        stack.push(sliceOf(elem));
        break;
      }
      case Op.SLICE_REPEAT: stack.pop(); stack.push(sliceOf(pop(null, 'the value'))); break;
      case Op.NEW_BYTES:
        for (let i = a; i > 0; i--) pop(wantType(m, NUM), `element ${i}`);
        stack.push(sliceOf(NUM));
        break;
      case Op.REPEAT_BYTES: stack.pop(); pop(wantType(m, NUM), 'the value'); stack.push(sliceOf(NUM)); break;
      case Op.SLICE_LEN: pop(WANT_ANY_SLICE, 'the slice'); stack.push(NUM); break;
      case Op.SLICE_GET: stack.pop(); stack.push(inner(pop(wantSlice(a), 'the slice'), '[', a)); break;
      case Op.SLICE_SET: case Op.SLICE_PUSH: {
        const v = pop(null, 'the value');
        if (op === Op.SLICE_SET) stack.pop();
        const sl = pop(wantSlice(a), 'the slice');
        if (checking && sl[0] === '[' && !fits(v, sl.slice(1))) fail(pc, `${name} stores ${describe(m, v)} into ${describe(m, sl)}`);
        break;
      }
      case Op.SLICE_SUB: {
        if (a & 1) stack.pop();
        if (a & 2) stack.pop();
        const t = pop(WANT_ANY_SLICE, 'the slice');
        stack.push(t);
        break;
      }
      case Op.NEW_OBJ: {
        const shape = m.shapes[a];
        for (let i = shape.refs.length - 1; i >= 0; i--) pop(wantType(m, fieldType(shape, i)), `field ${i} of shape '${shape.name}'`);
        stack.push(objOf(a));
        break;
      }
      case Op.GET_FIELD: stack.push(fieldOf(pop(WANT_OBJ, 'the object'), a, b)); break;
      case Op.SET_FIELD: {
        const v = pop(null, 'the value');
        const t = pop(WANT_OBJ, 'the object');
        fieldOf(t, a, b);
        if (checking && t[0] === 'o') {
          for (const x of shapeSet(t)) {
            const ft = fieldType(m.shapes[x], a);
            if (!fits(v, ft)) fail(pc, `SET_FIELD stores ${describe(m, v)} into field ${a} of shape '${m.shapes[x].name}', which holds ${describe(m, ft)}`);
          }
        }
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
      case Op.CHAN_NEW: stack.pop(); stack.push(chanOf(m.strings[a])); break;
      case Op.CHAN_SEND: {
        const v = pop(null, 'the value');
        const ch = pop(wantChan(a), 'the channel');
        if (checking && ch[0] === 'c' && !fits(v, ch.slice(1))) fail(pc, `CHAN_SEND sends ${describe(m, v)} on ${describe(m, ch)}`);
        stack.push(NUM);
        break;
      }
      case Op.CHAN_RECV: {
        const elem = inner(pop(wantChan(a), 'the channel'), 'c', a);
        // a reference received is a 0 once the channel is closed: usable after a test of the status
        if (a === 0) stack.push(elem, NUM);
        else stack.push(held(at, pc, 'C', [elem], '11'), `S${pc}`);
        break;
      }
      case Op.CHAN_CLOSE: case Op.CHAN_LEN: case Op.CHAN_CAP: pop(WANT_ANY_CHAN, 'the channel'); stack.push(NUM); break;
      case Op.SELECT: {
        // what each arm delivers in the reference slot: a receive or await arm its element
        // type, any other arm a 0 (null)
        const arms = m.strings[a];
        const delivered: (VType | null)[] = new Array(arms.length).fill(null);
        for (let i = arms.length - 1; i >= 0; i--) {
          const c = arms[i];
          const what = `the operand of arm ${i + 1}`;
          switch (c) {
            case 'c': pop(wantChan('n'), what); break;
            case 'C': delivered[i] = inner(pop(wantChan('r'), what), 'c', 1); break;
            case 's': case 'S': pop(null, what); pop(wantChan(c === 'S' ? 'r' : 'n'), what); break;
            case 'w': pop(wantHandle('n'), what); break;
            case 'W': delivered[i] = inner(pop(wantHandle('r'), what), 'h', 1); break;
            case 't': stack.pop(); break;
            default: break;
          }
        }
        // a receive arm may also leave a 0 (closed, or cancelled); an await arm never does
        const bits = [...arms].map((c) => (c === 'C' ? '11' : '10')).join('');
        stack.push(`I${pc}`, NUM, held(at, pc, arms, delivered, bits), `S${pc}`);
        break;
      }
      case Op.EQ: {
        // the arm index of a select against the constant just pushed: a test that narrows
        stack.pop();
        const left = stack.pop()!;
        const p = prev[pc] - 1;
        stack.push(left[0] === 'I' && !leader[pc] && p >= 0 && code[p] === Op.PUSH_I && p + 2 === pc ? `E${left.slice(1)}:${code[p + 1]}` : NUM);
        break;
      }
      case Op.CALL_CLOSURE: {
        // the closure's function is known only when it runs, which checks that it has exactly
        // this signature: so its arguments must fit the signature's types, and its result has one
        const sig = parseClosureSig(m.strings[a]);
        const types = sig?.types;
        if (types === undefined) popN(b, 'argument');
        else for (let i = b - 1; i >= 0; i--) pop(wantType(m, types[i]), `argument ${i + 1} of the closure`);
        pop(WANT_OBJ, 'the closure');
        stack.push(types === undefined ? ofKind(sig?.ret ?? 'n') : types[types.length - 1]);
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
      case Op.BYTES_IN: pop(wantSlice(0), 'the buffer'); stack.push(sliceOf(NUM), NUM); break;
      case Op.BYTES_OUT: stack.pop(); pop(wantSlice(0), 'the buffer'); break;
      case Op.NEW_CELL: stack.push(CELL); break;
      case Op.WCONST: case Op.WFROM_I: case Op.WFROM_F:
        if (op !== Op.WCONST) stack.pop();
        stack.push(WIDE);
        break;
      case Op.WTO_I: case Op.WTO_F: pop(WANT_WIDE, 'the i128/u128'); stack.push(NUM); break;
      case Op.WCAST: case Op.WNEG: case Op.WNOT: case Op.WTOSTR:
        pop(WANT_WIDE, 'the i128/u128');
        stack.push(op === Op.WTOSTR ? STR : WIDE);
        break;
      case Op.WOP: case Op.WCMP:
        pop(WANT_WIDE, 'the right operand');
        pop(WANT_WIDE, 'the left operand');
        stack.push(op === Op.WCMP ? NUM : WIDE);
        break;
      case Op.CELL_ADDR: pop(WANT_CELL, 'the cell'); stack.push(NUM); break;
      default: {
        // every other instruction pops and pushes numbers only (the table says so; stackShapes checked it)
        const info = OPS[op];
        for (let i = 0; i < info.pop.length; i++) stack.pop();
        for (const k of info.push) stack.push(ofKind(k));
      }
    }
  };

  /**
   * The type of the local a JNE_VARIANT tests on one of its edges: narrowed to the shapes of the
   * tested variant where it falls through, to the other shapes where it jumps; '' when no shape
   * is left (an edge no run can take: how `if let Some(x) = None` compiles); null when the local
   * is not of a known set of shapes.
   */
  const narrowed = (pc: number, at: State, fall: boolean): VType | null => {
    const t = getLocal(at, code[pc + 1]);
    if (t[0] !== 'o' || t.length < 2) return null;
    const keep = shapeSet(t).filter((x) => (m.shapes[x].variant === code[pc + 2]) === fall);
    return keep.length === 0 ? '' : objOfSet(keep);
  };

  /** Run the block that starts at `first` from its state; unless checking, flow to its successors. */
  const runBlock = (first: number, checking: boolean): void => {
    const s = copyState(states.get(first)!);
    for (let pc = first; ;) {
      const op = code[pc];
      const test = op === Op.JNE_VARIANT;
      const onJump = test ? narrowed(pc, s, false) : null;
      const onFall = test ? narrowed(pc, s, true) : null;
      // a JMP_F / JMP_T on a test of a select's arm index (EP:k) or on a receive's status (SP):
      // what each edge leaves possible of that instruction's reference slot
      const top = (op === Op.JMP_F || op === Op.JMP_T) && s.stack.length > 0 ? s.stack[s.stack.length - 1] : '';
      const cond = top[0] === 'E' || top[0] === 'S' ? top : null;
      const selPc = cond === null ? -1 : Number(cond.slice(1, cond[0] === 'E' ? cond.indexOf(':') : undefined));
      const selK = cond !== null && cond[0] === 'E' ? Number(cond.slice(cond.indexOf(':') + 1)) : -1;
      /** the positions an edge on which the condition is `holds` leaves */
      const keepOn = (holds: boolean) => (pos: number): boolean => {
        if (selK >= 0) return ((pos >> 1) === selK) === holds;
        // a status: nonzero when a receive arm delivered its value, 0 when it left a 0
        if (armCodes.get(selPc)?.[pos >> 1] !== 'C') return true;
        return (pos % 2 === 0) === holds;
      };
      step(pc, s, checking);
      if (!checking) {
        OPS[op].operands.forEach((kind, i) => {
          if (kind !== 'jump' || onJump === '') return;
          if (cond !== null) {
            const j = copyState(s);
            narrowSelect(j, selPc, keepOn(op === Op.JMP_T));
            return flow(code[pc + 1 + i], j);
          }
          if (onJump === null) return flow(code[pc + 1 + i], s);
          const j = copyState(s);
          setLocal(j, code[pc + 1], onJump);
          flow(code[pc + 1 + i], j);
        });
      }
      if (cond !== null) narrowSelect(s, selPc, keepOn(op === Op.JMP_F));
      if (onFall !== null && onFall !== '') setLocal(s, code[pc + 1], onFall);
      const next = pc + opSize(op);
      if (TERMINATORS.has(op) || onFall === '' || next >= code.length) return;
      if (leader[next]) {
        if (!checking) flow(next, s);
        return;
      }
      pc = next;
    }
  };

  // the arm types of a select climb with the states; when they changed during a run, the
  // narrowings made from them are run again from the start, until a run changes none
  for (;;) {
    while (work.length) {
      const pc = work.pop()!;
      queued[pc] = 0;
      runBlock(pc, false);
    }
    if (!tableChanged) break;
    tableChanged = false;
    tableRead.clear();
    states.clear();
    states.set(0, copyState(start));
    work.push(0);
    queued[0] = 1;
  }
  for (const first of [...states.keys()].sort((x, y) => x - y)) runBlock(first, true);
}
