// The emitter: checked AST -> Module (bytecode). It trusts the checker's notes (types, slots,
// resolved targets) and picks typed opcodes from them, so the interpreter never inspects a
// value's type. Every expression leaves exactly one value on the stack when its value is wanted
// (void is the number 0) and none otherwise. Max stack depths come from the verifier's analysis.
import { BUILTIN_FNS, BuiltinFn } from '../bytecode/builtins';
import { MAX_CONCAT, OPS, Op } from '../bytecode/opcodes';
import { WIDE_NAMES, WIDE_OPS } from '../bytecode/wide';
import { FnProto, MainKind, Module, ShapeProto } from '../bytecode/module';
import { objOfSet } from '../bytecode/vtypes';
import { analyze } from '../bytecode/verify';
import type { Block, Expr, Pattern, SelectArm, Stmt } from './ast';
import type { CheckedProgram, DynDispatch } from './check';
import type { Pos } from './diagnostics';
import { notes } from './scope';
import { INT_RANGE, IntName, T, Ty, hasUnknown, intBits, intCode, isRef, parseIntLiteral, show } from './types';

const MAX_IMM = 0x3fffffff;
/** The Err messages of a CHAN_SEND status (1 closed, 2 cancelled) and of a CHAN_CLOSE status 1. */
const SEND_CLOSED = 'send on closed channel';
const TASK_CANCELLED = 'task cancelled';
const CLOSE_CLOSED = 'close of closed channel';

export function emit(cp: CheckedProgram, sourceName: string, source: string): Module {
  const m: Module = {
    sourceName, source, numbers: [], strings: [], shapes: [], functions: [],
    globals: cp.globals.map((g) => ({ name: g.name, kind: isRef(g.ty) ? 1 : 0 })),
    externs: cp.externs,
    callbacks: cp.callbacks,
    entry: 0, mainKind: MainKind.Void,
  };
  const pools = new Pools(m);
  m.globals.forEach((g, i) => (g.type = vtypeOf(cp.globals[i].ty, pools, cp)));
  const main = cp.main;
  m.mainKind = main.ret.k === 'void' ? MainKind.Void : main.ret.k === 'int' ? MainKind.ExitCode : MainKind.Result;
  // function 0: initialise globals in source order, then run main
  // function 0 returns main's Result itself, or main's exit code (0 for a void main)
  const initRet = main.ret.k === 'void' || main.ret.k === 'int' ? T.i64 : main.ret;
  const init = new FnEmitter(cp, pools, '<init>', cp.frames[0].localTypes, 0, initRet, cp.frames[0].cells, cp.frames[0].boxes);
  for (const g of cp.globalDecls) {
    const info = cp.globals.find((x) => x.name === g.name)!;
    init.mark(g);
    init.expr(g.init);
    init.op(Op.GSTORE, info.index);
  }
  init.mark(main.decl);
  init.op(Op.CALL, main.index, 0);
  init.op(Op.RET);
  m.functions[0] = init.finish(main.ret.k === 'void' || main.ret.k === 'int' ? 0 : 1);
  for (const d of cp.dispatchers) m.functions[d.fn.index] = dispatcher(cp, pools, d);
  for (const f of cp.fns) {
    if (f.dispatch) continue;
    const fr = cp.frames[f.index];
    const fe = new FnEmitter(cp, pools, f.key, fr.localTypes, f.params.length, f.ret, fr.cells, fr.boxes);
    fe.body(f.decl.body, f.key);
    m.functions[f.index] = fe.finish(isRef(f.ret) ? 1 : 0);
  }
  // the function literals (closures.ts): captured variables first, then the parameters
  for (const c of cp.closures) {
    const fr = cp.frames[c.index];
    const fe = new FnEmitter(cp, pools, c.name, fr.localTypes, c.captures.length + c.params.length, c.ret, fr.cells, fr.boxes);
    fe.mark(c.decl);
    fe.body(c.decl.body, c.name);
    m.functions[c.index] = fe.finish(isRef(c.ret) ? 1 : 0);
  }
  // spawn f(x) of function values: a thunk calling f with the arguments
  for (const th of cp.spawnThunks) {
    const ft = th.type;
    const fe = new FnEmitter(cp, pools, th.name, [ft, ...ft.params], ft.params.length + 1, ft.ret);
    fe.mark(th.at);
    for (let i = 0; i <= ft.params.length; i++) fe.op(Op.LOAD, i);
    fe.op(Op.CALL_CLOSURE, pools.str(closureSig(ft, pools, cp)), ft.params.length);
    fe.op(Op.RET);
    m.functions[th.index] = fe.finish(isRef(ft.ret) ? 1 : 0);
  }
  // every shape's field types (the FIELDS section): a closure's are its function's first
  // parameters' (CALL_CLOSURE passes the fields as them); working out an enum field's type may
  // add shapes (its other variants), which the loop reaches too
  for (let i = 0; i < m.shapes.length; i++) {
    const s = m.shapes[i];
    s.fields = s.fn !== undefined ? m.functions[s.fn].localTypes!.slice(0, s.refs.length) : pools.fieldTys[i].map((t) => vtypeOf(t, pools, cp));
  }
  for (const fn of m.functions) fn.maxStack = analyze(m, fn);
  return m;
}

/**
 * The shape of a `dyn Trait` value made from a value of the trait's vtable-number-vt type: field
 * 0 the value, field 1 vt, and vt as its variant, so the dispatcher's JNE_VARIANT tells the
 * verifier the value's type. The dyn type is the set of these shapes, one per implementation.
 */
function dynShape(pools: Pools, cp: CheckedProgram, trait: string, vt: number): number {
  return pools.shape(`dyn ${trait}`, vt, [cp.dynTypes.get(trait)![vt], T.i32]);
}

/**
 * A dyn method's dispatcher: (receiver, args...) -> the implementation for the receiver's
 * vtable number, called with the receiver's value in place of the receiver.
 */
function dispatcher(cp: CheckedProgram, pools: Pools, d: DynDispatch): FnProto {
  const f = d.fn;
  const frame = cp.frames[f.index];
  const fe = new FnEmitter(cp, pools, `dyn ${d.trait}.${d.method}`, frame.localTypes, f.params.length, f.ret);
  const types = cp.dynTypes.get(d.trait)!;
  d.impls.forEach((impl, k) => {
    const next = fe.jump(Op.JNE_VARIANT, 0, k);
    fe.op(Op.LOAD, 0);
    fe.op(Op.GET_FIELD, 0, kindOf(types[k]));
    for (let i = 1; i < f.params.length; i++) fe.op(Op.LOAD, i);
    fe.op(Op.CALL, impl, f.params.length);
    fe.op(Op.RET);
    fe.patch(next);
  });
  fe.op(Op.TRAP, pools.str(`dyn ${d.trait} value of an unknown type`));
  return fe.finish(isRef(f.ret) ? 1 : 0);
}

class Pools {
  /** by value; a Map key treats -0 as 0, so -0 gets the key '-0' of its own */
  private nums = new Map<number | string, number>();
  private strs = new Map<string, number>();
  private shapes = new Map<string, number>();
  /** per shape, its fields' types (emit() works out their value types once every function is made) */
  readonly fieldTys: Ty[][] = [];
  /** vtypeOf's answers, by the type's text */
  readonly vtypes = new Map<string, string>();
  constructor(readonly m: Module) {}

  num(v: number): number {
    const key = Object.is(v, -0) ? '-0' : v;
    let i = this.nums.get(key);
    if (i === undefined) {
      i = this.m.numbers.push(v) - 1;
      this.nums.set(key, i);
    }
    return i;
  }

  str(s: string): number {
    let i = this.strs.get(s);
    if (i === undefined) {
      i = this.m.strings.push(s) - 1;
      this.strs.set(s, i);
    }
    return i;
  }

  /**
   * The shape of objects named `name` with fields of these types: one per field types, so
   * Option<string>.Some and Option<[]i32>.Some differ (the verifier knows each field's type).
   */
  shape(name: string, variant: number, fields: Ty[], fn?: number): number {
    const refs = fields.map((t) => (isRef(t) ? 1 : 0));
    const key = `${name}/${variant}/${fields.map((t) => (isRef(t) ? show(t) : 'n')).join(',')}/${fn ?? ''}`;
    let i = this.shapes.get(key);
    if (i === undefined) {
      const s: ShapeProto = { name, variant, refs: Uint8Array.from(refs) };
      if (fn !== undefined) s.fn = fn;
      i = this.m.shapes.push(s) - 1;
      this.fieldTys[i] = fields;
      this.shapes.set(key, i);
    }
    return i;
  }

  /** The shape of a box (closures.ts): one field holding a captured variable of type t. */
  box(t: Ty): number {
    return this.shape('box', 0, [t]);
  }

  /** The shape of function `fn`'s values: its captured fields (a box is a reference). */
  closure(name: string, fn: number, fields: Ty[]): number {
    return this.shape(name, 0, fields, fn);
  }
}

/**
 * CALL_CLOSURE's signature string: the argument kinds, ':', the result kind, '|', the argument
 * and result value types ('nr:n|n,s,n'): what verify.ts closureShapeSig says of the function.
 */
function closureSig(t: Extract<Ty, { k: 'fn' }>, pools: Pools, cp: CheckedProgram): string {
  const kinds = t.params.map((p) => (isRef(p) ? 'r' : 'n')).join('') + ':' + (isRef(t.ret) ? 'r' : 'n');
  return kinds + '|' + [...t.params, t.ret].map((p) => vtypeOf(p, pools, cp)).join(',');
}

interface Loop {
  breaks: number[];
  continues: number[];
}

const kindOf = (t: Ty): number => (isRef(t) ? 1 : 0);
/**
 * A slice of this element type is made as a byte slice (NEW_BYTES, REPEAT_BYTES): one byte each.
 * A []bool too: its 0s and 1s take an eighth of the memory (a sieve of 2M flags, 2 MB, not 16).
 */
const isByte = (t: Ty): boolean => (t.k === 'int' && t.name === 'u8') || t.k === 'bool';

/**
 * The verifier's value type (bytecode/vtypes.ts) of a value of type t: what the TYPES section
 * declares for locals, results and globals. The checker leaves no type partly unknown by now;
 * if one were, 'r' would make the verifier reject the file rather than guess.
 */
function vtypeOf(t: Ty, pools: Pools, cp: CheckedProgram): string {
  if (!isRef(t)) return 'n';
  if (hasUnknown(t)) return 'r';
  const key = show(t);
  let v = pools.vtypes.get(key);
  if (v === undefined) pools.vtypes.set(key, (v = vtypeOfRef(t, pools, cp)));
  return v;
}

function vtypeOfRef(t: Ty, pools: Pools, cp: CheckedProgram): string {
  switch (t.k) {
    case 'string': return 's';
    case 'slice': return '[' + vtypeOf(t.elem, pools, cp);
    case 'handle': return 'h' + vtypeOf(t.elem, pools, cp);
    case 'chan': return 'c' + vtypeOf(t.elem, pools, cp);
    // a struct or tuple has one shape (the one NEW_OBJ builds it with), an enum one per variant
    case 'struct': return 'o' + pools.shape(t.name, 0, cp.structs.get(t.name)!.fields.map((f) => f.ty));
    case 'tuple': return 'o' + pools.shape('tuple', 0, t.elems);
    // an enum value is an object of one of its variants' shapes
    case 'enum': {
      const en = cp.enums.get(t.name)!;
      return objOfSet(en.variants.map((v, i) => pools.shape(`${t.name}.${v.name}`, i, v.fields(t.args))));
    }
    case 'mutex': return 'm';
    // a dyn value is one of its implementations' shapes ('o' when nothing is converted to it)
    case 'dyn': return objOfSet((cp.dynTypes.get(t.trait) ?? []).map((_, vt) => dynShape(pools, cp, t.trait, vt)));
    case 'wide': return 'w';
    // a function value is an object of its closure's shape, which its type does not say
    default: return 'o';
  }
}
/** The `wty` operand of a wide type. */
const wideCode = (name: string): number => (WIDE_NAMES as readonly string[]).indexOf(name);
const isNumericTy = (t: Ty): boolean => t.k === 'int' || t.k === 'float' || t.k === 'char';
const tyOf = (e: object): Ty => notes(e).ty!;

class FnEmitter {
  code: number[] = [];
  lines: number[] = [];
  loops: Loop[] = [];
  localTypes: Ty[];

  constructor(
    readonly cp: CheckedProgram,
    readonly pools: Pools,
    readonly name: string,
    localTypes: Ty[],
    readonly arity: number,
    readonly ret: Ty,
    /** variables whose address is taken: slot -> C type of the cell the slot holds */
    readonly cells: Map<number, number> = new Map(),
    /** captured variables that can change: slot -> the slot holding its box (closures.ts) */
    readonly boxes: Map<number, number> = new Map(),
  ) {
    this.localTypes = [...localTypes];
    for (const home of boxes.values()) this.boxHomes.add(home);
  }

  /** the slots that hold boxes */
  boxHomes = new Set<number>();

  /** A function's body: its parameters that closures capture and change go into boxes first. */
  body(b: Block, name: string): void {
    for (const [slot, home] of this.boxes) {
      if (slot === home) continue;
      this.op(Op.LOAD, slot);
      this.op(Op.NEW_OBJ, this.pools.box(this.localTypes[slot]));
      this.op(Op.STORE, home);
    }
    this.block(b, false);
    if (this.ret.k === 'void') {
      this.op(Op.PUSH_I, 0);
      this.op(Op.RET);
    } else {
      this.op(Op.TRAP, this.pools.str(`missing return in '${name}'`));
    }
  }

  finish(retKind: number): FnProto {
    return {
      name: this.name,
      arity: this.arity,
      nlocals: this.localTypes.length,
      maxStack: 0,
      localKinds: Uint8Array.from(this.localTypes.map((t, i) => (this.cells.has(i) || this.boxHomes.has(i) ? 1 : kindOf(t)))),
      retKind,
      localTypes: this.localTypes.map((t, i) => (this.cells.has(i) ? 'x' : this.boxHomes.has(i) ? 'o' + this.pools.box(t) : vtypeOf(t, this.pools, this.cp))),
      retType: retKind === 0 ? 'n' : isRef(this.ret) ? vtypeOf(this.ret, this.pools, this.cp) : 'r',
      code: Int32Array.from(this.code),
      lines: Int32Array.from(this.lines),
    };
  }

  temp(ty: Ty): number {
    this.localTypes.push(ty);
    return this.localTypes.length - 1;
  }

  mark(at: Pos): void {
    const n = this.lines.length;
    const pc = this.code.length;
    if (n >= 3 && this.lines[n - 3] === pc) {
      this.lines[n - 2] = at.line;
      this.lines[n - 1] = at.col;
    } else if (n < 3 || this.lines[n - 2] !== at.line || this.lines[n - 1] !== at.col) {
      this.lines.push(pc, at.line, at.col);
    }
  }

  op(op: number, ...operands: number[]): number {
    const at = this.code.length;
    this.code.push(op, ...operands);
    return at;
  }

  /** Emit a jump with a placeholder target; returns the operand index to patch. */
  jump(op: number, ...pre: number[]): number {
    this.code.push(op, ...pre, -1);
    return this.code.length - 1;
  }

  patch(at: number, target = this.code.length): void {
    this.code[at] = target;
  }

  pushInt(v: number): void {
    if (Number.isInteger(v) && Math.abs(v) <= MAX_IMM) this.op(Op.PUSH_I, v);
    else this.op(Op.CONST_N, this.pools.num(v));
  }

  // ---------------------------------------------------------------- statements
  block(b: Block, want: boolean): void {
    let produced = false;
    for (const s of b.stmts) {
      if (notes(s).isTail && s.kind === 'ExprStmt') {
        this.expr(s.expr, want);
        produced = want;
      } else {
        this.stmt(s);
      }
    }
    if (b.tail) {
      this.expr(b.tail, want);
      produced = want;
    }
    if (want && !produced) this.op(Op.PUSH_I, 0);
  }

  stmt(s: Stmt): void {
    this.mark(s);
    switch (s.kind) {
      case 'Let': {
        const slot = notes(s).slot!;
        const ct = this.cells.get(slot);
        if (ct !== undefined) {
          // a new cell each time the `let` runs (a loop's body gets one per iteration)
          this.op(Op.NEW_CELL, ct);
          this.op(Op.STORE, slot);
          this.op(Op.LOAD, slot);
          this.op(Op.CELL_ADDR);
          this.expr(s.init);
          this.op(Op.PTR_STORE, ct);
          return;
        }
        this.expr(s.init);
        // a new box each time the `let` runs, as for a cell
        if (this.boxes.has(slot)) this.op(Op.NEW_OBJ, this.pools.box(this.localTypes[slot]));
        this.op(Op.STORE, slot);
        return;
      }
      case 'Assign': return this.assign(s);
      case 'ExprStmt': return this.expr(s.expr, false);
      case 'Return': {
        const local = s.value ? this.localOf(s.value) : null;
        if (local !== null) {
          this.op(Op.RET_LOCAL, local);
          return;
        }
        if (s.value === null || (s.value.kind === 'Unit' && this.ret.k === 'void')) this.op(Op.PUSH_I, 0);
        else this.expr(s.value);
        this.op(Op.RET);
        return;
      }
      case 'Break':
        this.loops[this.loops.length - 1].breaks.push(this.jump(Op.JMP));
        return;
      case 'Continue':
        this.loops[this.loops.length - 1].continues.push(this.jump(Op.JMP));
        return;
      case 'While': {
        const top = this.code.length;
        const exit = this.condJump(s.cond);
        const loop = this.loopBody(s.body);
        this.op(Op.JMP, top);
        this.endLoop(loop, top, exit);
        return;
      }
      case 'For': return this.forStmt(s);
      case 'Spawn':
        this.spawn(s.call, false);
        return;
      case 'SpawnHandle':
        this.spawn(s.call, true);
        this.op(Op.STORE, notes(s).slot!);
        return;
      case 'Select': return this.select(s);
    }
  }

  // ---------------------------------------------------------------- channels and select
  /** [status] -> Result<void, string>: 0 Ok(void), else Err(errs[status - 1]). */
  statusResult(errs: string[]): void {
    const ok = this.pools.shape('Result.Ok', 0, [T.void]);
    const err = this.pools.shape('Result.Err', 1, [T.string]);
    const ends: number[] = [];
    if (errs.length > 1) this.op(Op.DUP);
    const bad = this.jump(Op.JMP_T);
    if (errs.length > 1) this.op(Op.POP);
    this.op(Op.PUSH_I, 0);
    this.op(Op.NEW_OBJ, ok);
    ends.push(this.jump(Op.JMP));
    this.patch(bad);
    errs.forEach((msg, i) => {
      let next: number | null = null;
      if (i < errs.length - 1) {
        if (i < errs.length - 2) this.op(Op.DUP);
        this.op(Op.PUSH_I, i + 1);
        this.op(Op.EQ);
        next = this.jump(Op.JMP_F);
        if (i < errs.length - 2) this.op(Op.POP);
      }
      this.op(Op.CONST_S, this.pools.str(msg));
      this.op(Op.NEW_OBJ, err);
      if (next !== null) {
        ends.push(this.jump(Op.JMP));
        this.patch(next);
      }
    });
    for (const j of ends) this.patch(j);
  }

  /** [value (kind of elem), ok] -> Option<elem>: Some(value) if ok, else None. */
  recvOption(elem: Ty): void {
    const none = this.jump(Op.JMP_F);
    this.op(Op.NEW_OBJ, this.pools.shape('Option.Some', 0, [elem]));
    const end = this.jump(Op.JMP);
    this.patch(none);
    this.op(Op.POP);
    this.op(Op.NEW_OBJ, this.pools.shape('Option.None', 1, []));
    this.patch(end);
  }

  /**
   * A channel method whose value is not wanted (`ch.send(v);`): the instruction and a POP of
   * its status, without building the Result or Option. False if e is no such call.
   */
  chanOpDropped(e: Expr): boolean {
    if (e.kind !== 'Call' || e.callee.kind !== 'Field') return false;
    const t = notes(e).target;
    const ot = tyOf(e.callee.object);
    if (t?.k !== 'method' || ot.k !== 'chan' || !['send', 'recv', 'close'].includes(t.name)) return false;
    this.expr(e.callee.object);
    if (t.name === 'send') this.expr(e.args[0]);
    this.mark(e);
    if (t.name === 'send') this.op(Op.CHAN_SEND, kindOf(ot.elem));
    else if (t.name === 'recv') {
      this.op(Op.CHAN_RECV, kindOf(ot.elem));
      this.op(Op.POP);
    } else this.op(Op.CHAN_CLOSE);
    this.op(Op.POP);
    return true;
  }

  /**
   * select: every arm's operands in source order (as SELECT pops them), SELECT with the arm
   * codes, its four results into hidden locals, then a compare-and-jump dispatch on the arm
   * index to the arm bodies, each binding its arm's value first.
   */
  select(s: Extract<Stmt, { kind: 'Select' }>): void {
    let codes = '';
    for (const arm of s.arms) {
      const code = notes(arm).armCode!;
      codes += code;
      const op = arm.op as Expr;
      switch (code) {
        case 'c': case 'C': case 's': case 'S': {
          const call = op as Extract<Expr, { kind: 'Call' }>;
          this.expr((call.callee as Extract<Expr, { kind: 'Field' }>).object);
          if (code === 's' || code === 'S') this.expr(call.args[0]);
          break;
        }
        case 'w': case 'W':
          this.expr((op as Extract<Expr, { kind: 'Await' }>).handle);
          break;
        case 't':
          this.expr((op as Extract<Expr, { kind: 'Call' }>).args[0]);
          break;
      }
    }
    this.mark(s);
    this.op(Op.SELECT, this.pools.str(codes));
    const status = this.temp(T.i64);
    const ref = this.temp(T.string);
    const num = this.temp(T.i64);
    const index = this.temp(T.i64);
    this.op(Op.STORE, status);
    this.op(Op.STORE, ref);
    this.op(Op.STORE, num);
    this.op(Op.STORE, index);
    const ends: number[] = [];
    s.arms.forEach((arm, i) => {
      const last = i === s.arms.length - 1;
      this.mark(arm);
      let next: number | null = null;
      if (!last) {
        this.op(Op.LOAD, index);
        this.op(Op.PUSH_I, i);
        this.op(Op.EQ);
        next = this.jump(Op.JMP_F);
      }
      this.bindSelectArm(arm, status, ref, num);
      this.expr(arm.body, false);
      if (next !== null) {
        ends.push(this.jump(Op.JMP));
        this.patch(next);
      }
    });
    for (const j of ends) this.patch(j);
  }

  /**
   * The operand of a NEW_SLICE or CHAN_NEW: its element type as a string constant, which the
   * verifier holds every element to (a type the checker left open is an object of any shape, or
   * a number).
   */
  elemType(t: Ty): number {
    const v = vtypeOf(t, this.pools, this.cp);
    return this.pools.str(v !== 'r' ? v : kindOf(t) ? 'o' : 'n');
  }

  bindSelectArm(arm: SelectArm, status: number, ref: number, num: number): void {
    const n = notes(arm);
    if (n.slot === undefined) return;
    const code = n.armCode!;
    const value = code === 'C' || code === 'W' ? ref : num;
    switch (code) {
      case 'c': case 'C':
        this.op(Op.LOAD, value);
        this.op(Op.LOAD, status);
        this.recvOption((n.ty as Extract<Ty, { k: 'enum' }>).args[0]);
        break;
      case 's': case 'S':
        this.op(Op.LOAD, status);
        this.statusResult([SEND_CLOSED, TASK_CANCELLED]);
        break;
      case 'w': case 'W':
        this.op(Op.LOAD, value);
        break;
    }
    this.op(Op.STORE, n.slot);
  }

  // ---------------------------------------------------------------- closures (closures.ts)
  /** A function literal's value: a closure object holding what it captures. */
  closure(e: Extract<Expr, { kind: 'FnLit' }>): void {
    const c = this.cp.closures[notes(e).closure!];
    const fields: Ty[] = [];
    for (const cap of c.captures) {
      if (cap.boxed) {
        this.op(Op.LOAD, this.boxes.get(cap.outer.slot)!);
        fields.push(T.string); // a box: some reference
      } else {
        this.loadLocal(cap.outer.slot);
        fields.push(cap.outer.ty);
      }
    }
    this.mark(e);
    this.op(Op.NEW_OBJ, this.pools.closure(c.name, c.index, fields));
  }

  /** Call the function value in local f with the values pushed by `args`; CALL_CLOSURE. */
  callLocal(f: number, ft: Extract<Ty, { k: 'fn' }>, args: () => void): void {
    this.op(Op.LOAD, f);
    args();
    this.op(Op.CALL_CLOSURE, this.pools.str(closureSig(ft, this.pools, this.cp)), ft.params.length);
  }

  /**
   * map(xs, f), filter(xs, f), reduce(xs, init, f), forEach(xs, f): a loop over the slice
   * calling f on each element (the arguments are evaluated once, in order).
   */
  sliceHelper(e: Extract<Expr, { kind: 'Call' }>, name: string): void {
    const a = e.args;
    const xt = tyOf(a[0]) as Extract<Ty, { k: 'slice' }>;
    const fa = a[a.length - 1];
    const ft = tyOf(fa) as Extract<Ty, { k: 'fn' }>;
    const xs = this.temp(xt);
    const f = this.temp(ft);
    const n = this.temp(T.usize);
    const i = this.temp(T.usize);
    const ek = kindOf(xt.elem);
    this.expr(a[0]);
    this.op(Op.STORE, xs);
    let acc = -1;
    if (name === 'reduce') {
      acc = this.temp(tyOf(e));
      this.expr(a[1]);
      this.op(Op.STORE, acc);
    }
    this.expr(fa);
    this.op(Op.STORE, f);
    let out = -1;
    if (name === 'map' || name === 'filter') {
      out = this.temp(tyOf(e));
      const made = name === 'map' ? ft.ret : xt.elem;
      if (isByte(made)) this.op(Op.NEW_BYTES, 0);
      else this.op(Op.NEW_SLICE, 0, this.elemType(made));
      this.op(Op.STORE, out);
    }
    this.op(Op.LOAD, xs);
    this.op(Op.SLICE_LEN);
    this.op(Op.STORE, n);
    this.op(Op.PUSH_I, 0);
    this.op(Op.STORE, i);
    const top = this.code.length;
    const exit = this.jump(Op.JGE_LOCALS, i, n);
    const elem = (): void => {
      this.op(Op.LOAD, xs);
      this.op(Op.LOAD, i);
      this.op(Op.SLICE_GET, ek);
    };
    this.mark(e);
    switch (name) {
      case 'map':
        this.op(Op.LOAD, out);
        this.callLocal(f, ft, elem);
        this.op(Op.SLICE_PUSH, kindOf(ft.ret));
        break;
      case 'filter': {
        const x = this.temp(xt.elem);
        elem();
        this.op(Op.STORE, x);
        this.callLocal(f, ft, () => this.op(Op.LOAD, x));
        const skip = this.jump(Op.JMP_F);
        this.op(Op.LOAD, out);
        this.op(Op.LOAD, x);
        this.op(Op.SLICE_PUSH, ek);
        this.patch(skip);
        break;
      }
      case 'reduce':
        this.callLocal(f, ft, () => {
          this.op(Op.LOAD, acc);
          elem();
        });
        this.op(Op.STORE, acc);
        break;
      default:
        this.callLocal(f, ft, elem);
        this.op(Op.POP);
    }
    this.op(Op.INC_LOCAL, i, 1, intCode('usize'));
    this.op(Op.JMP, top);
    this.patch(exit);
    if (name === 'reduce') this.op(Op.LOAD, acc);
    else if (out >= 0) this.op(Op.LOAD, out);
    else this.op(Op.PUSH_I, 0);
  }

  /** Push the arguments of a checked call (self first for methods) and start a task. */
  spawn(call: Expr, withHandle: boolean): void {
    const c = call as Extract<Expr, { kind: 'Call' }>;
    const thunk = notes(c).thunk;
    if (thunk !== undefined) {
      // a function value's call: its thunk takes the value and the arguments
      const th = this.cp.spawnThunks[thunk];
      this.expr(c.callee);
      for (const a of notes(c).noArgs ? [] : c.args) this.expr(a);
      this.mark(call);
      this.op(withHandle ? Op.SPAWN_H : Op.SPAWN, th.index, th.type.params.length + 1);
      return;
    }
    const t = notes(c).target as { k: 'fn'; index: number };
    const f = this.cp.fnIndex.get(t.index)!;
    if (f.hasSelf && c.callee.kind === 'Field') this.expr(c.callee.object);
    for (const a of notes(c).noArgs ? [] : c.args) this.expr(a);
    this.mark(call);
    this.op(withHandle ? Op.SPAWN_H : Op.SPAWN, t.index, f.params.length);
  }

  /**
   * Emit `cond`, jumping out when false; returns the patch slot of the exit jump.
   * A comparison of a local with a small integer literal or another local becomes one fused
   * compare-and-branch (the loop and recursion tests that dominate fib and loops).
   */
  condJump(cond: Expr): number {
    if (cond.kind === 'Binary' && isNumericTy(tyOf(cond.left))) {
      const a = this.localOf(cond.left);
      const imm = this.immOf(cond.right);
      if (a !== null && imm !== null) {
        const inverse: Record<string, number> = { '<': Op.JGE_LOCAL_IMM, '>=': Op.JLT_LOCAL_IMM, '<=': Op.JGT_LOCAL_IMM, '>': Op.JLE_LOCAL_IMM };
        if (cond.op in inverse) {
          this.mark(cond);
          return this.jump(inverse[cond.op], a, imm);
        }
      }
      const b = this.localOf(cond.right);
      if (a !== null && b !== null && (cond.op === '<' || cond.op === '>=')) {
        this.mark(cond);
        return this.jump(cond.op === '<' ? Op.JGE_LOCALS : Op.JLT_LOCALS, a, b);
      }
    }
    this.expr(cond);
    return this.jump(Op.JMP_F);
  }

  /** The slot of a plain local variable read, or null. */
  /** Push local `slot`'s value (read through its cell if its address is taken). */
  loadLocal(slot: number): void {
    const home = this.boxes.get(slot);
    if (home !== undefined) {
      this.op(Op.LOAD, home);
      this.op(Op.GET_FIELD, 0, kindOf(this.localTypes[slot]));
      return;
    }
    this.op(Op.LOAD, slot);
    const ct = this.cells.get(slot);
    if (ct !== undefined) {
      this.op(Op.CELL_ADDR);
      this.op(Op.PTR_LOAD, ct);
    }
  }

  localOf(e: Expr): number | null {
    const t = e.kind === 'Ident' ? notes(e).target : undefined;
    return t?.k === 'local' && !this.cells.has(t.slot) && !this.boxes.has(t.slot) ? t.slot : null;
  }

  /** The value of an integer literal that fits an immediate operand, or null. */
  immOf(e: Expr): number | null {
    let v: number;
    if (e.kind === 'Int') v = Number(parseIntLiteral(e.text));
    else if (e.kind === 'Unary' && e.op === '-' && e.operand.kind === 'Int') v = -Number(parseIntLiteral(e.operand.text));
    else return null;
    return Math.abs(v) <= MAX_IMM ? v : null;
  }

  loopBody(body: Block): Loop {
    const loop: Loop = { breaks: [], continues: [] };
    this.loops.push(loop);
    this.block(body, false);
    this.loops.pop();
    return loop;
  }

  endLoop(loop: Loop, continueTo: number, exit: number | null): void {
    for (const c of loop.continues) this.patch(c, continueTo);
    if (exit !== null) this.patch(exit);
    for (const b of loop.breaks) this.patch(b);
  }

  forStmt(s: Extract<Stmt, { kind: 'For' }>): void {
    const n = notes(s);
    const v = n.slot!;
    const it = s.iter;
    const itTy = tyOf(it);
    if (itTy.k === 'chan') {
      // receive until closed and drained: CHAN_RECV; JMP_F out (popping the 0 left for the value)
      this.expr(it);
      this.op(Op.STORE, n.slot2!);
      const top = this.code.length;
      this.mark(s);
      this.op(Op.LOAD, n.slot2!);
      this.op(Op.CHAN_RECV, kindOf(itTy.elem));
      const closed = this.jump(Op.JMP_F);
      this.op(Op.STORE, v);
      const loop = this.loopBody(s.body);
      this.op(Op.JMP, top);
      this.patch(closed);
      this.op(Op.POP);
      this.endLoop(loop, top, null);
      return;
    }
    if (n.slot3 === undefined && it.kind === 'Call') {
      // range(a, b) / range(b): the loop variable is the counter
      const ty = tyOf(it) as Extract<Ty, { k: 'int' }>;
      if (it.args.length === 2) this.expr(it.args[0]);
      else this.op(Op.PUSH_I, 0);
      this.op(Op.STORE, v);
      this.expr(it.args[it.args.length - 1]);
      this.op(Op.STORE, n.slot2!);
      const top = this.code.length;
      const exit = this.jump(Op.JGE_LOCALS, v, n.slot2!);
      const loop = this.loopBody(s.body);
      const cont = this.code.length;
      this.mark(s);
      this.op(Op.INC_LOCAL, v, 1, intCode(ty.name));
      this.op(Op.JMP, top);
      this.endLoop(loop, cont, exit);
      return;
    }
    const isStr = tyOf(it).k === 'string';
    this.expr(it);
    this.op(Op.STORE, n.slot2!);
    this.op(Op.PUSH_I, 0);
    this.op(Op.STORE, n.slot3!);
    const top = this.code.length;
    this.op(Op.LOAD, n.slot3!);
    this.op(Op.LOAD, n.slot2!);
    this.op(isStr ? Op.STR_LEN : Op.SLICE_LEN);
    this.op(Op.LT);
    const exit = this.jump(Op.JMP_F);
    this.op(Op.LOAD, n.slot2!);
    this.op(Op.LOAD, n.slot3!);
    if (isStr) this.op(Op.STR_INDEX);
    else this.op(Op.SLICE_GET, kindOf(this.localTypes[v]));
    this.op(Op.STORE, v);
    const loop = this.loopBody(s.body);
    const cont = this.code.length;
    this.op(Op.INC_LOCAL, n.slot3!, 1, intCode('usize'));
    this.op(Op.JMP, top);
    this.endLoop(loop, cont, exit);
  }

  assign(s: Extract<Stmt, { kind: 'Assign' }>): void {
    const t = s.target;
    const ty = tyOf(t);
    // the new value, given code that pushes the old one
    const value = (old: () => void): void => {
      if (s.op === '=') {
        this.expr(s.value);
        return;
      }
      old();
      if (ty.k === 'string') {
        this.toStr(s.value);
        this.mark(s);
        this.op(Op.CONCAT);
      } else {
        this.expr(s.value);
        this.mark(s);
        this.arith(s.op, ty);
      }
    };
    if (t.kind === 'Ident') {
      const target = notes(t).target!;
      const cell = target.k === 'local' ? this.cells.get(target.slot) : undefined;
      if (cell !== undefined && target.k === 'local') {
        const slot = target.slot;
        this.op(Op.LOAD, slot);
        this.op(Op.CELL_ADDR);
        value(() => this.loadLocal(slot));
        this.mark(s);
        this.op(Op.PTR_STORE, cell);
        return;
      }
      const home = target.k === 'local' ? this.boxes.get(target.slot) : undefined;
      if (home !== undefined && target.k === 'local') {
        const slot = target.slot;
        this.op(Op.LOAD, home);
        value(() => this.loadLocal(slot));
        this.mark(s);
        this.op(Op.SET_FIELD, 0, kindOf(this.localTypes[slot]));
        return;
      }
      if (target.k === 'local' && s.op !== '=' && ty.k === 'int' && (s.op === '+' || s.op === '-') && s.value.kind === 'Int') {
        const v = Number(parseIntLiteral(s.value.text));
        if (v <= MAX_IMM) {
          this.op(Op.INC_LOCAL, target.slot, s.op === '+' ? v : -v, intCode(ty.name));
          return;
        }
      }
      const load = (): void => {
        if (target.k === 'local') this.op(Op.LOAD, target.slot);
        else if (target.k === 'global') this.op(Op.GLOAD, target.index);
      };
      value(load);
      if (target.k === 'local') this.op(Op.STORE, target.slot);
      else if (target.k === 'global') this.op(Op.GSTORE, target.index);
      return;
    }
    if (t.kind === 'Unary') {
      // *p = v, *p += v
      const ct = notes(t).ctype!;
      const p = this.temp(tyOf(t.operand));
      this.expr(t.operand);
      this.op(Op.STORE, p);
      this.op(Op.LOAD, p);
      value(() => {
        this.op(Op.LOAD, p);
        this.mark(t);
        this.op(Op.PTR_LOAD, ct);
      });
      this.mark(s);
      this.op(Op.PTR_STORE, ct);
      return;
    }
    if (t.kind === 'Field') {
      const i = notes(t).fieldIndex!;
      const obj = this.temp(tyOf(t.object));
      this.expr(t.object);
      this.op(Op.STORE, obj);
      this.op(Op.LOAD, obj);
      value(() => {
        this.op(Op.LOAD, obj);
        this.op(Op.GET_FIELD, i, kindOf(ty));
      });
      this.op(Op.SET_FIELD, i, kindOf(ty));
      return;
    }
    if (t.kind === 'Index') {
      const obj = this.temp(tyOf(t.object));
      const idx = this.temp(T.usize);
      this.expr(t.object);
      this.op(Op.STORE, obj);
      this.expr(t.index);
      this.op(Op.STORE, idx);
      this.op(Op.LOAD, obj);
      this.op(Op.LOAD, idx);
      value(() => {
        this.op(Op.LOAD, obj);
        this.op(Op.LOAD, idx);
        this.mark(t);
        this.op(Op.SLICE_GET, kindOf(ty));
      });
      this.mark(t);
      this.op(Op.SLICE_SET, kindOf(ty));
    }
  }

  // ---------------------------------------------------------------- expressions
  /** Emit e; with want=false its value is dropped (block-likes then push nothing at all). */
  expr(e: Expr, want = true): void {
    const vt = notes(e).toDyn;
    switch (e.kind) {
      case 'If': case 'IfLet': case 'Match': case 'BlockExpr':
        this.blockLike(e, want);
        if (want && vt !== undefined) this.toDyn(e, vt);
        return;
    }
    if (!want && this.chanOpDropped(e)) return;
    this.value(e);
    if (vt !== undefined) this.toDyn(e, vt);
    if (!want) this.op(Op.POP);
  }

  /** The value on the stack, converted to a dyn value with vtable number vt. */
  toDyn(e: Expr, vt: number): void {
    this.pushInt(vt);
    this.op(Op.NEW_OBJ, dynShape(this.pools, this.cp, notes(e).dynTrait!, vt));
  }

  blockLike(e: Expr, want: boolean): void {
    switch (e.kind) {
      case 'If': {
        const toElse = this.condJump(e.cond);
        this.block(e.then, want);
        if (e.else === null) {
          if (want) {
            const end = this.jump(Op.JMP);
            this.patch(toElse);
            this.op(Op.PUSH_I, 0);
            this.patch(end);
          } else {
            this.patch(toElse);
          }
          return;
        }
        const end = this.jump(Op.JMP);
        this.patch(toElse);
        this.expr(e.else, want);
        this.patch(end);
        return;
      }
      case 'IfLet': {
        const tmp = notes(e).slot!;
        this.expr(e.value);
        this.op(Op.STORE, tmp);
        const fails: number[] = [];
        this.patternTest(e.pattern, tmp, [], fails);
        this.block(e.then, want);
        const end = this.jump(Op.JMP);
        for (const f of fails) this.patch(f);
        if (e.else !== null) this.expr(e.else, want);
        else if (want) this.op(Op.PUSH_I, 0);
        this.patch(end);
        return;
      }
      case 'Match': {
        if (this.recvMatch(e, want)) return;
        const tmp = notes(e).slot!;
        this.expr(e.subject);
        this.op(Op.STORE, tmp);
        const ends: number[] = [];
        for (const arm of e.arms) {
          const fails: number[] = [];
          this.mark(arm);
          this.patternTest(arm.pattern, tmp, [], fails);
          this.expr(arm.body, want);
          ends.push(this.jump(Op.JMP));
          for (const f of fails) this.patch(f);
        }
        this.mark(e);
        this.op(Op.TRAP, this.pools.str('no match arm matched'));
        for (const j of ends) this.patch(j);
        return;
      }
      case 'BlockExpr':
        this.block(e.block, want);
        return;
      default:
        throw new Error(`blockLike: ${e.kind}`);
    }
  }

  /**
   * `match ch.recv() { Option.Some(v) => ..., Option.None => ... }` (arms of Some with a binding
   * or `_`, None, or `_`): branch on the receive's ok flag and bind v from its value, without
   * building the Option (a receive loop would otherwise allocate one object per value). False
   * if e is no such match.
   */
  recvMatch(e: Extract<Expr, { kind: 'Match' }>, want: boolean): boolean {
    const s = e.subject;
    if (s.kind !== 'Call' || s.callee.kind !== 'Field') return false;
    const t = notes(s).target;
    const ot = tyOf(s.callee.object);
    if (t?.k !== 'method' || t.name !== 'recv' || ot.k !== 'chan' || notes(s).toDyn !== undefined) return false;
    // the arm each outcome takes: the first that matches it
    const some = e.arms.findIndex((a) => a.pattern.kind === 'PWild' || (a.pattern.kind === 'PVariant' && a.pattern.variant === 'Some'));
    const none = e.arms.findIndex((a) => a.pattern.kind === 'PWild' || (a.pattern.kind === 'PVariant' && a.pattern.variant === 'None'));
    for (const a of e.arms) {
      const p = a.pattern;
      if (p.kind === 'PWild') continue;
      if (p.kind !== 'PVariant' || p.enumName !== 'Option') return false;
      if (p.variant === 'Some' && (p.args?.length !== 1 || (p.args[0].kind !== 'PBind' && p.args[0].kind !== 'PWild'))) return false;
      if (p.variant === 'None' && p.args !== null && p.args.length !== 0) return false;
    }
    if (some < 0 || none < 0) return false;
    this.expr(s.callee.object);
    this.mark(s);
    this.op(Op.CHAN_RECV, kindOf(ot.elem));
    const toNone = this.jump(Op.JMP_F);
    const arm = (i: number, value: boolean): void => {
      const a = e.arms[i];
      this.mark(a);
      const p = a.pattern;
      const bind = p.kind === 'PVariant' && p.args !== null && p.args[0]?.kind === 'PBind' ? p.args[0] : null;
      if (value && bind !== null) this.op(Op.STORE, notes(bind).slot!);
      else this.op(Op.POP);
      this.expr(a.body, want);
    };
    arm(some, true);
    const end = this.jump(Op.JMP);
    this.patch(toNone);
    arm(none, false);
    this.patch(end);
    return true;
  }

  /** Push the value found at `path` (field indices) inside local `tmp`. */
  loadPath(tmp: number, path: { index: number; kind: number }[]): void {
    this.op(Op.LOAD, tmp);
    for (const p of path) this.op(Op.GET_FIELD, p.index, p.kind);
  }

  patternTest(p: Pattern, tmp: number, path: { index: number; kind: number }[], fails: number[]): void {
    switch (p.kind) {
      case 'PWild': return;
      case 'PBind':
        this.loadPath(tmp, path);
        this.op(Op.STORE, notes(p).slot!);
        return;
      case 'PLit': {
        this.loadPath(tmp, path);
        this.value(p.value);
        this.op(tyOf(p).k === 'string' ? Op.EQ_S : Op.EQ);
        fails.push(this.jump(Op.JMP_F));
        return;
      }
      case 'PTuple': {
        const ty = tyOf(p) as Extract<Ty, { k: 'tuple' }>;
        p.elems.forEach((q, i) => this.patternTest(q, tmp, [...path, { index: i, kind: kindOf(ty.elems[i]) }], fails));
        return;
      }
      case 'PVariant': {
        const ty = tyOf(p) as Extract<Ty, { k: 'enum' }>;
        const vi = notes(p).fieldIndex!;
        const en = this.cp.enums.get(ty.name)!;
        // the variant is tested on a local (a nested value's own temporary), so the verifier
        // knows which variant's fields the pattern then reads
        let at = tmp;
        let rest = path;
        if (en.variants.length > 1 && path.length > 0) {
          at = this.temp(ty);
          rest = [];
          this.loadPath(tmp, path);
          this.op(Op.STORE, at);
        }
        if (en.variants.length > 1) fails.push(this.jump(Op.JNE_VARIANT, at, vi));
        const fields = en.variants[vi].fields(ty.args);
        (p.args ?? []).forEach((q, i) => this.patternTest(q, at, [...rest, { index: i, kind: kindOf(fields[i]) }], fails));
        return;
      }
    }
  }

  /** Emit a non-block-like expression, pushing its value. */
  value(e: Expr): void {
    const ty = tyOf(e);
    switch (e.kind) {
      case 'Int': {
        if (ty.k === 'wide') {
          this.op(Op.WCONST, this.pools.str(parseIntLiteral(e.text).toString()));
          return;
        }
        const v = Number(parseIntLiteral(e.text));
        if (ty.k === 'float') this.op(Op.CONST_N, this.pools.num(ty.name === 'f32' ? Math.fround(v) : v));
        else this.pushInt(v);
        return;
      }
      case 'Float': {
        const v = Number(e.text.replace(/_/g, ''));
        this.op(Op.CONST_N, this.pools.num(ty.k === 'float' && ty.name === 'f32' ? Math.fround(v) : v));
        return;
      }
      case 'Str': this.op(Op.CONST_S, this.pools.str(e.value)); return;
      case 'Char': this.op(Op.PUSH_I, e.value); return;
      case 'Bool': this.op(Op.PUSH_I, e.value ? 1 : 0); return;
      case 'Unit': this.op(Op.PUSH_I, 0); return;
      case 'Ident': {
        const t = notes(e).target!;
        if (t.k === 'local') this.loadLocal(t.slot);
        else if (t.k === 'global') this.op(Op.GLOAD, t.index);
        else if (t.k === 'constant') this.op(Op.PUSH_I, t.value);
        else if (t.k === 'fnValue') this.op(Op.NEW_OBJ, this.pools.closure(this.cp.fnIndex.get(t.index)!.key, t.index, []));
        return;
      }
      case 'FnLit': return this.closure(e);
      case 'Binary': return this.binary(e);
      case 'Unary': {
        if (e.op === '*') {
          this.expr(e.operand);
          this.mark(e);
          this.op(Op.PTR_LOAD, notes(e).ctype!);
          return;
        }
        if (e.op === '&') {
          this.op(Op.LOAD, (notes(e.operand).target as { slot: number }).slot);
          this.op(Op.CELL_ADDR);
          return;
        }
        if (e.op === '-' && e.operand.kind === 'Int' && ty.k === 'wide') {
          this.op(Op.WCONST, this.pools.str((-parseIntLiteral(e.operand.text)).toString()));
          return;
        }
        if (e.op === '-' && e.operand.kind === 'Int') {
          const v = -Number(parseIntLiteral(e.operand.text));
          if (ty.k === 'float') this.op(Op.CONST_N, this.pools.num(v));
          else this.pushInt(v);
          return;
        }
        if (e.op === '-' && e.operand.kind === 'Float') {
          const v = -Number(e.operand.text.replace(/_/g, ''));
          this.op(Op.CONST_N, this.pools.num(ty.k === 'float' && ty.name === 'f32' ? Math.fround(v) : v));
          return;
        }
        // a chain of unary operators (- - - x, !!!b) in a loop: the innermost operand, then
        // each operator from the inside out
        const chain: Extract<Expr, { kind: 'Unary' }>[] = [e];
        for (let o = e.operand; isUnaryLink(o); o = o.operand) chain.push(o);
        this.expr(chain[chain.length - 1].operand);
        for (let i = chain.length - 1; i >= 0; i--) {
          const u = chain[i];
          const uty = tyOf(u);
          this.mark(u);
          if (u.op === '!') this.op(Op.NOT);
          else if (uty.k === 'wide') this.op(u.op === '~' ? Op.WNOT : Op.WNEG, wideCode(uty.name));
          else if (u.op === '~') this.op(Op.BNOT, intCode((uty as { name: IntName }).name));
          else if (uty.k === 'int') this.op(Op.NEG_I, intCode(uty.name));
          else this.op(Op.NEG_F);
        }
        return;
      }
      case 'Cast':
        this.expr(e.expr);
        this.mark(e);
        this.convert(tyOf(e.expr), ty);
        return;
      case 'Call': return this.call(e);
      case 'Field': {
        const t = notes(e).target;
        if (t?.k === 'ctor') return this.ctor(e, t.variant, []);
        this.expr(e.object);
        const ot = tyOf(e.object);
        if (e.name === 'len' && (ot.k === 'slice' || ot.k === 'string')) {
          this.op(ot.k === 'slice' ? Op.SLICE_LEN : Op.STR_LEN);
          return;
        }
        if (ot.k === 'chan' && (e.name === 'len' || e.name === 'cap')) {
          this.op(e.name === 'len' ? Op.CHAN_LEN : Op.CHAN_CAP);
          return;
        }
        this.op(Op.GET_FIELD, notes(e).fieldIndex!, kindOf(ty));
        return;
      }
      case 'Index': {
        this.expr(e.object);
        this.expr(e.index);
        this.mark(e);
        if (tyOf(e.object).k === 'string') this.op(Op.STR_INDEX);
        else this.op(Op.SLICE_GET, kindOf(ty));
        return;
      }
      case 'SliceRange': {
        this.expr(e.object);
        if (e.lo) this.expr(e.lo);
        if (e.hi) this.expr(e.hi);
        this.mark(e);
        this.op(Op.SLICE_SUB, (e.lo ? 1 : 0) | (e.hi ? 2 : 0));
        return;
      }
      case 'StructLit': {
        const s = this.cp.structs.get(e.name)!;
        const inOrder = e.fields.every((f, i) => notes(f).fieldIndex === i);
        if (inOrder) {
          for (const f of e.fields) this.expr(f.value);
        } else {
          const temps = s.fields.map((f) => this.temp(f.ty));
          for (const f of e.fields) {
            this.expr(f.value);
            this.op(Op.STORE, temps[notes(f).fieldIndex!]);
          }
          for (const t of temps) this.op(Op.LOAD, t);
        }
        this.op(Op.NEW_OBJ, this.pools.shape(e.name, 0, s.fields.map((f) => f.ty)));
        return;
      }
      case 'ArrayLit': {
        const elem = (ty as Extract<Ty, { k: 'slice' }>).elem;
        for (const x of e.elems) this.expr(x);
        if (isByte(elem)) this.op(Op.NEW_BYTES, e.elems.length);
        else this.op(Op.NEW_SLICE, e.elems.length, this.elemType(elem));
        return;
      }
      case 'ArrayRepeat': {
        const elem = (ty as Extract<Ty, { k: 'slice' }>).elem;
        this.expr(e.value);
        this.expr(e.count);
        this.mark(e);
        if (isByte(elem)) this.op(Op.REPEAT_BYTES);
        else this.op(Op.SLICE_REPEAT, kindOf(elem));
        return;
      }
      case 'TupleLit': {
        const elems = (ty as Extract<Ty, { k: 'tuple' }>).elems;
        for (const x of e.elems) this.expr(x);
        this.op(Op.NEW_OBJ, this.pools.shape('tuple', 0, elems));
        return;
      }
      case 'Try': {
        const tmp = notes(e).slot!;
        this.expr(e.expr);
        this.op(Op.STORE, tmp);
        // Ok/Some is variant 0: its payload; Err/None returns the value itself
        const fail = this.jump(Op.JNE_VARIANT, tmp, 0);
        this.op(Op.LOAD, tmp);
        this.op(Op.GET_FIELD, 0, kindOf(ty));
        const end = this.jump(Op.JMP);
        this.patch(fail);
        this.op(Op.LOAD, tmp);
        this.op(Op.RET);
        this.patch(end);
        return;
      }
      case 'Sizeof': {
        this.pushInt(this.sizeOf(e.type));
        return;
      }
      case 'Path': {
        const t = notes(e).target;
        if (t?.k === 'ctor') return this.ctor(e, t.variant, []);
        throw new Error('value: Path without a constructor');
      }
      case 'Await':
        this.expr(e.handle);
        this.mark(e);
        this.op(Op.AWAIT, kindOf(ty));
        return;
      case 'SpawnExpr':
        this.spawn(e.call, true);
        return;
      case 'If': case 'IfLet': case 'Match': case 'BlockExpr':
        throw new Error(`value: unexpected ${e.kind}`);
    }
  }

  sizeOf(t: import('./ast').TypeExpr): number {
    if (t.kind === 'TName') {
      const sizes: Record<string, number> = {
        i8: 1, u8: 1, bool: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, char: 4,
        i64: 8, u64: 8, int: 8, usize: 8, isize: 8, f64: 8, void: 0,
      };
      if (t.name in sizes) return sizes[t.name];
      const s = this.cp.structs.get(t.name);
      if (s) return s.decl.fields.reduce((acc, f) => acc + this.sizeOf(f.type), 0);
    }
    if (t.kind === 'TArray') return this.sizeOf(t.elem) * (notes(t).size ?? 0);
    return 8;
  }

  binary(e: Extract<Expr, { kind: 'Binary' }>): void {
    // a chain of && and || in a loop over its left spine: each link keeps the value so far when
    // it decides (false for &&, true for ||), else replaces it with its right operand's
    if (isLogicLink(e) && isLogicLink(e.left)) {
      const spine: Extract<Expr, { kind: 'Binary' }>[] = [];
      let n: Expr = e;
      for (; isLogicLink(n); n = n.left) spine.push(n);
      this.expr(n);
      for (let i = spine.length - 1; i >= 0; i--) {
        const link = spine[i];
        this.op(Op.DUP);
        const end = this.jump(link.op === '&&' ? Op.JMP_F : Op.JMP_T);
        this.op(Op.POP);
        this.expr(link.right);
        this.patch(end);
      }
      return;
    }
    // a chain of string concatenations (a + b + c ..., or a string and a number): every
    // operand left to right, strings as they are and numbers as numbers, then one CONCAT_N that
    // writes them all into one new string (not a string per number and a new one per +); a
    // chain longer than MAX_CONCAT is joined in groups, and two strings take a plain CONCAT
    if (isStrPlus(e) && (isStrPlus(e.left) || concatCode(tyOf(e.left)) !== 's' || concatCode(tyOf(e.right)) !== 's')) {
      const links: Extract<Expr, { kind: 'Binary' }>[] = [];
      let n: Expr = e;
      for (; isStrPlus(n); n = n.left) links.push(n);
      links.reverse();
      let parts = this.concatOperand(n);
      for (const link of links) {
        parts += this.concatOperand(link.right);
        if (parts.length === MAX_CONCAT) {
          this.mark(link);
          this.op(Op.CONCAT_N, this.pools.str(parts));
          parts = 's';
        }
      }
      if (parts.length > 1) {
        this.mark(e);
        if (parts === 'ss') this.op(Op.CONCAT);
        else this.op(Op.CONCAT_N, this.pools.str(parts));
      }
      return;
    }
    // a long left-associative chain (1 + 1 + ... + 1, "a" + b + ...) is emitted in a loop over
    // its left spine: the innermost link as usual, then each outer link's right operand and op
    if (isChainLink(e) && isChainLink(e.left)) {
      const spine: Extract<Expr, { kind: 'Binary' }>[] = [];
      let n: Expr = e;
      while (isChainLink(n) && isChainLink(n.left)) {
        spine.push(n);
        n = n.left;
      }
      this.binary(n as Extract<Expr, { kind: 'Binary' }>);
      for (let i = spine.length - 1; i >= 0; i--) {
        const link = spine[i];
        if (link.op === '+' && tyOf(link).k === 'string') {
          this.mark(link.left);
          this.strOf(tyOf(link.left));
          this.toStr(link.right);
          this.mark(link);
          this.op(Op.CONCAT);
        } else {
          this.expr(link.right);
          this.mark(link);
          this.binaryOp(link, tyOf(link.left));
        }
      }
      return;
    }
    const ty = tyOf(e);
    const lt = tyOf(e.left);
    if (e.op === '&&' || e.op === '||') {
      this.expr(e.left);
      this.op(Op.DUP);
      const end = this.jump(e.op === '&&' ? Op.JMP_F : Op.JMP_T);
      this.op(Op.POP);
      this.expr(e.right);
      this.patch(end);
      return;
    }
    if (e.op === '+' && ty.k === 'string') {
      this.toStr(e.left);
      this.toStr(e.right);
      this.mark(e);
      this.op(Op.CONCAT);
      return;
    }
    if (lt.k === 'int' && (e.op === '+' || e.op === '-')) {
      const a = this.localOf(e.left);
      const imm = this.immOf(e.right);
      if (a !== null && imm !== null) {
        this.mark(e);
        this.op(Op.LOCAL_SUB_IMM, a, e.op === '-' ? imm : -imm, intCode(lt.name));
        return;
      }
      const b = this.localOf(e.right);
      if (a !== null && b !== null && e.op === '+') {
        this.mark(e);
        this.op(Op.LOCAL_ADD_I, a, b, intCode(lt.name));
        return;
      }
    }
    this.expr(e.left);
    this.expr(e.right);
    this.mark(e);
    this.binaryOp(e, lt);
  }

  /** The instruction of a binary operator whose operands are on the stack. */
  binaryOp(e: Extract<Expr, { kind: 'Binary' }>, lt: Ty): void {
    switch (e.op) {
      case '==': case '!=': case '<': case '<=': case '>': case '>=': {
        const cmp = { '==': Op.EQ, '!=': Op.NE, '<': Op.LT, '<=': Op.LE, '>': Op.GT, '>=': Op.GE }[e.op];
        if (lt.k === 'wide') {
          this.op(Op.WCMP, wideCode(lt.name));
          this.op(Op.PUSH_I, 0);
        }
        if (lt.k === 'string') {
          if (e.op === '==' || e.op === '!=') {
            this.op(Op.EQ_S);
            if (e.op === '!=') this.op(Op.NOT);
            return;
          }
          this.op(Op.CMP_S);
          this.op(Op.PUSH_I, 0);
        }
        this.op(cmp);
        return;
      }
      default:
        this.arith(e.op, lt);
    }
  }

  arith(op: string, ty: Ty): void {
    if (ty.k === 'wide') {
      // a shift count is an integer of any type: made wide for WOP
      if (op === '<<' || op === '>>') this.op(Op.WFROM_I);
      this.op(Op.WOP, (WIDE_OPS as readonly string[]).indexOf(op), wideCode(ty.name));
      return;
    }
    if (ty.k === 'float') {
      this.op({ '+': Op.ADD_F, '-': Op.SUB_F, '*': Op.MUL_F, '/': Op.DIV_F, '%': Op.MOD_F }[op]!);
      if (ty.name === 'f32') this.op(Op.F32);
      return;
    }
    if (ty.k === 'bool') {
      // & | ^ on bools: 0/1 arithmetic in the u8 width
      this.op({ '&': Op.BAND, '|': Op.BOR, '^': Op.BXOR }[op]!, intCode('u8'));
      return;
    }
    const t = intCode((ty as { name: IntName }).name);
    const code = {
      '+': Op.ADD_I, '-': Op.SUB_I, '*': Op.MUL_I, '/': Op.DIV_I, '%': Op.MOD_I,
      '&': Op.BAND, '|': Op.BOR, '^': Op.BXOR, '<<': Op.SHL, '>>': Op.SHR,
    }[op]!;
    this.op(code, t);
  }

  /** Convert the number on the stack from one type to another (for `as` and conversion calls). */
  convert(from: Ty, to: Ty): void {
    if (to.k === 'wide') {
      if (from.k === 'float') this.op(Op.WFROM_F, wideCode(to.name));
      else if (from.k !== 'wide') {
        this.op(Op.WFROM_I);
        if (to.name === 'u128' && from.k === 'int' && from.name[0] === 'i') this.op(Op.WCAST, wideCode('u128'));
      } else if (from.name !== to.name) this.op(Op.WCAST, wideCode(to.name));
      return;
    }
    if (from.k === 'wide') {
      if (to.k === 'float') {
        this.op(Op.WTO_F);
        if (to.name === 'f32') this.op(Op.F32);
      } else if (to.k === 'int') this.op(Op.WTO_I, intCode(to.name));
      return;
    }
    if (to.k === 'float') {
      if (to.name === 'f32' && !(from.k === 'float' && from.name === 'f32')) this.op(Op.F32);
      return;
    }
    if (to.k === 'int') {
      if (from.k === 'float') {
        this.op(Op.F2I, intCode(to.name));
        return;
      }
      const fromName: IntName = from.k === 'int' ? from.name : from.k === 'char' ? 'u32' : 'u8';
      const [flo, fhi] = INT_RANGE[fromName];
      const [tlo, thi] = INT_RANGE[to.name];
      if (flo < tlo || fhi > thi) this.op(Op.ICAST, intCode(to.name));
      return;
    }
    if (to.k === 'char' && from.k === 'int' && intBits(from.name) > 21) this.op(Op.ICAST, intCode('u32'));
  }

  /** Push e converted to a string. */
  toStr(e: Expr): void {
    this.expr(e);
    this.mark(e);
    this.strOf(tyOf(e));
  }

  /** Push one operand of a concatenation: its CONCAT_N code (a number stays a number). */
  concatOperand(x: Expr): string {
    const code = concatCode(tyOf(x));
    if (code === 's') this.toStr(x);
    else this.expr(x);
    return code;
  }

  /** Convert the value on the stack, of type t, to a string. */
  strOf(t: Ty): void {
    switch (t.k) {
      case 'string': return;
      case 'int': this.op(Op.TOSTR_I); return;
      case 'float': this.op(Op.TOSTR_F); return;
      case 'bool': this.op(Op.TOSTR_B); return;
      case 'char': this.op(Op.TOSTR_C); return;
      case 'wide': this.op(Op.WTOSTR, wideCode(t.name)); return;
      default: throw new Error(`toStr: ${t.k}`);
    }
  }

  ctor(e: Expr, variant: number, args: Expr[]): void {
    const ty = tyOf(e) as Extract<Ty, { k: 'enum' }>;
    const en = this.cp.enums.get(ty.name)!;
    const given = args.map(tyOf);
    for (const a of args) this.expr(a);
    const declared = en.variants[variant].fields(ty.args);
    const fields = declared.map((t, i) => (t.k === 'unknown' ? given[i] : t));
    this.op(Op.NEW_OBJ, this.pools.shape(`${ty.name}.${en.variants[variant].name}`, variant, fields));
  }

  call(e: Extract<Expr, { kind: 'Call' }>): void {
    const n = notes(e);
    const t = n.target!;
    const args = n.noArgs ? [] : e.args;
    switch (t.k) {
      case 'fn': {
        const f = this.cp.fnIndex.get(t.index)!;
        if (f.hasSelf && e.callee.kind === 'Field') this.expr(e.callee.object);
        for (const a of args) this.expr(a);
        this.mark(e);
        this.op(Op.CALL, t.index, f.params.length);
        return;
      }
      case 'ctor': return this.ctor(e, t.variant, args);
      case 'conv': {
        if (t.to.k === 'string') {
          this.toStr(args[0]);
          return;
        }
        this.expr(args[0]);
        this.mark(e);
        this.convert(tyOf(args[0]), t.to);
        return;
      }
      case 'method': return this.method(e, t.name);
      case 'chanNew':
        this.expr(args[0]);
        this.mark(e);
        this.op(Op.CHAN_NEW, this.elemType((tyOf(e) as Extract<Ty, { k: 'chan' }>).elem));
        return;
      case 'builtin': return this.builtin(e, BUILTIN_FNS[t.fn], args);
      case 'closureCall': {
        this.expr(e.callee);
        for (const a of args) this.expr(a);
        this.mark(e);
        const ft = tyOf(e.callee) as Extract<Ty, { k: 'fn' }>;
        this.op(Op.CALL_CLOSURE, this.pools.str(closureSig(ft, this.pools, this.cp)), ft.params.length);
        return;
      }
      case 'sliceHelper': return this.sliceHelper(e, t.name);
      case 'extern': {
        const pinned: Expr[] = [];
        for (const a of args) {
          const cb = notes(a).target;
          if (cb?.k === 'callback') this.op(Op.PUSH_I, cb.index);
          else if (cb?.k === 'slicePtr') {
            // the slice's bytes for the call, pinned (or a C copy): BYTES_IN gives the slice
            // BYTES_OUT takes after the call and the address, each kept in a temporary
            const n = notes(a);
            this.expr((a as Extract<Expr, { kind: 'Field' }>).object);
            this.mark(a);
            this.op(Op.BYTES_IN);
            this.op(Op.STORE, n.slot2!);
            this.op(Op.STORE, n.slot!);
            this.op(Op.LOAD, n.slot2!);
            pinned.push(a);
          } else this.expr(a);
        }
        this.mark(e);
        this.op(Op.CALL_EXTERN, t.index, args.length);
        for (const a of pinned) {
          // the bytes are unpinned (or what C wrote to the copy goes back into the slice)
          this.op(Op.LOAD, notes(a).slot!);
          this.op(Op.LOAD, notes(a).slot2!);
          this.op(Op.BYTES_OUT);
        }
        return;
      }
      case 'enqueue':
        // a task for the handler, and AsthraResult ok (0)
        this.expr(args[1]);
        this.expr(args[2]);
        this.mark(e);
        this.op(Op.SPAWN, t.fn, 2);
        this.op(Op.PUSH_I, 0);
        return;
      case 'len':
        this.expr(args[0]);
        this.op(tyOf(args[0]).k === 'string' ? Op.STR_LEN : Op.SLICE_LEN);
        return;
      default: throw new Error(`call: ${t.k}`);
    }
  }

  method(e: Extract<Expr, { kind: 'Call' }>, name: string): void {
    const obj = (e.callee as Extract<Expr, { kind: 'Field' }>).object;
    const ot = tyOf(obj);
    if (name === 'to_string') {
      this.toStr(obj);
      return;
    }
    this.expr(obj);
    this.mark(e);
    if (ot.k === 'chan') {
      switch (name) {
        case 'send':
          this.expr(e.args[0]);
          this.mark(e);
          this.op(Op.CHAN_SEND, kindOf(ot.elem));
          this.statusResult([SEND_CLOSED, TASK_CANCELLED]);
          return;
        case 'recv':
          this.op(Op.CHAN_RECV, kindOf(ot.elem));
          this.recvOption(ot.elem);
          return;
        case 'close':
          this.op(Op.CHAN_CLOSE);
          this.statusResult([CLOSE_CLOSED]);
          return;
        case 'len': this.op(Op.CHAN_LEN); return;
        case 'cap': this.op(Op.CHAN_CAP); return;
      }
    }
    if (ot.k === 'handle' && name === 'cancel') {
      this.op(Op.TASK_CANCEL); // pushes 0, the call's void value
      return;
    }
    if (name === 'len') {
      this.op(ot.k === 'string' ? Op.STR_LEN : Op.SLICE_LEN);
    } else if (name === 'push') {
      const elem = (ot as Extract<Ty, { k: 'slice' }>).elem;
      this.expr(e.args[0]);
      this.mark(e);
      this.op(Op.SLICE_PUSH, kindOf(elem));
      this.op(Op.PUSH_I, 0);
    } else if (name === 'bytes') {
      this.op(Op.STR_BYTES);
    } else {
      throw new Error(`method ${name}`);
    }
  }

  /** A call of a built-in: its arguments in order, then the lowering its table row names. */
  builtin(e: Extract<Expr, { kind: 'Call' }>, f: BuiltinFn, args: Expr[]): void {
    f.params.forEach((p, i) => (p === 'any-printable' ? this.toStr(args[i]) : this.expr(args[i])));
    this.mark(e);
    if (f.lower.kind === 'builtin') {
      this.op(Op.BUILTIN, f.lower.b, f.params.length);
    } else {
      this.op(f.lower.op);
      if (OPS[f.lower.op].push === '') this.op(Op.PUSH_I, 0); // the call's void value
    }
  }
}

/** A link of a unary chain: -, ! or ~ (not a negative literal, not * or &, emitted on their own). */
function isUnaryLink(e: Expr): e is Extract<Expr, { kind: 'Unary' }> {
  return e.kind === 'Unary' && (e.op === '-' || e.op === '!' || e.op === '~') && !(e.op === '-' && (e.operand.kind === 'Int' || e.operand.kind === 'Float'));
}

/** A link of a left-associative operator chain (every binary operator but && and ||). */
function isLogicLink(e: Expr): e is Extract<Expr, { kind: 'Binary' }> {
  return e.kind === 'Binary' && (e.op === '&&' || e.op === '||');
}

/** How CONCAT_N takes a value of type t (CONCAT_PARTS): as text it writes, or as a string. */
function concatCode(t: Ty): string {
  switch (t.k) {
    case 'int': return 'i';
    case 'float': return 'f';
    case 'bool': return 'b';
    case 'char': return 'c';
    default: return 's';
  }
}

/** A `+` of strings (a link of a concatenation chain). */
function isStrPlus(e: Expr): e is Extract<Expr, { kind: 'Binary' }> {
  return e.kind === 'Binary' && e.op === '+' && tyOf(e).k === 'string';
}

function isChainLink(e: Expr): e is Extract<Expr, { kind: 'Binary' }> {
  return e.kind === 'Binary' && e.op !== '&&' && e.op !== '||';
}
