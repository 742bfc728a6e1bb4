// The interpreter: one dispatch loop that runs a fiber for one slice. The fiber's registers,
// value stack and frame records live in the shared arena (scheduler/fiber.ts), so the scheduler
// can park it and resume it later, on any worker.
//
// The loop follows Lua's rule: pc, sp, base and the code array are plain locals; anything that can
// trap reports the pc itself (trap sites call `fail(message, fn, pc, depth)`), and the frame records in the arena
// give the rest of the stack trace. Opcodes are typed, so no case inspects a value's type.
// Values are 8-byte slots: numbers as doubles (ints exact within 2^53), references as arena
// byte offsets, bools as 0/1, void as 0.
import { readSync } from 'fs';
import { B, NUMERIC_BUILTINS } from '../bytecode/builtins';
import { MAX_SELECT_ARMS, Op, opSize, selectArmPops } from '../bytecode/opcodes';
import { wideFits } from '../bytecode/wide';
import { kindOfType } from '../bytecode/vtypes';
import { WideTrap, fromFloat, fromNumber, newWide, readWide, valueAs, wideBinary, wideNeg, wideNot } from './wide';
import { CallError, ExternCalls } from '../ffi/calls';
import { cBytes, freeC, type CFunction } from '../ffi/library';
import { Memory, MemoryError } from '../ffi/memory';
import { ROW_WORDS, Row } from '../ffi/crash';
import { FnProto, Module } from '../bytecode/module';
import { Arena, NEEDS_COLLECTION, copyBytes, decimalLength, stringsCompare, stringsEqual, writeDecimal } from '../heap/arena';
import { Elems, HDR_AUX, HEADER_BYTES, Meta, SLICE_ARRAY, SLICE_LEN, SLICE_OFFSET, Tag } from '../heap/layout';
import { IMAX, IMIN } from '../bytecode/inttypes';
import { bitwise, bnot, f2i, wrapInt } from './intops';
import { NativeCode, NativeEntry, NativeFrame, Unwind, compileNative, smi } from './native';
import { closureShapeSig, stackShapes } from '../bytecode/verify';
import { Output } from './output';
import { formatFloat } from './format';
import { F, FRAME_WORDS, StackLayout, fw, growStack, stackFrameCap, stackLayout, stackSlot0, stackSlotCap } from '../scheduler/fiber';
import { SliceEnd } from '../scheduler/events';
import { H, TaskState, handleResultSlot, hw } from '../scheduler/handle';
import { MutexResult, newMutex } from '../scheduler/mutex';
import { MAX_CHAN_CAP } from '../scheduler/chan';
import { Scheduler, SLICE_BUDGET, SPAWN_COST } from '../scheduler/scheduler';

/** One shared object per field-less shape (enum values like Option.None), made once per program. */
export function internUnits(m: Module, arena: Arena): number[] {
  return m.shapes.map((s, i) => (s.refs.length === 0 ? arena.alloc(Tag.OBJECT, 0, i, s.variant) : 0));
}

/** A char's text; a value outside Unicode (from `as char`) shows as U+FFFD, never a crash. */
function charText(v: number): string {
  return Number.isInteger(v) && v >= 0 && v <= 0x10ffff ? String.fromCodePoint(v) : '\ufffd';
}

/** The text of number v as CONCAT_N operand code c (i, f, b or c; a char code) writes it, as TOSTR_* do. */
function numberText(c: number, v: number): string {
  return c === 105 /* i */ ? String(v) : c === 102 /* f */ ? formatFloat(v) : c === 98 /* b */ ? (v !== 0 ? 'true' : 'false') : charText(v);
}

/** What Interpreter.nativeAlloc makes. */
const enum NativeAlloc { Object, Push, Concat, ConcatN, ToStr, Slice }

/** interpretSlice's end when native code can go on with the frame (runSlice calls it again) */
const REENTER = -1 as SliceEnd;

/**
 * The first value of a field that will hold any number: a double, so that V8 stores the field
 * as one from the start. A field that starts as a small integer is generalized the first time a
 * double goes in, and that change of the object's hidden class (the interpreter's, which native
 * code reads as `ctx`) aborted V8's optimization of a long native loop running at the time: it
 * then ran unoptimized for good (the strings benchmark's 1M comparisons, 2x slower).
 */
export const AS_DOUBLE = 0.5;

/** TOSTR_I, TOSTR_F, TOSTR_B, TOSTR_C (consecutive opcodes) as CONCAT_N operand codes. */
const TOSTR_CODES = [105, 102, 98, 99];

/** A runtime error in Asthra code: message plus (function index, pc) of every active frame. */
export class Trap extends Error {
  constructor(message: string, readonly frames: { fn: number; pc: number }[]) {
    super(message);
  }
}

/** `exit(code)` unwinds the interpreter with this. */
export class ExitRequest {
  constructor(readonly code: number) {}
}

/** Largest stack a fiber may grow to (values and frames); beyond it is a stack overflow. */
export const DEFAULT_STACK_SLOTS = 1 << 20; // 8 MiB of values
export const DEFAULT_MAX_FRAMES = 200_000;


export interface VMOptions {
  args: string[];
  stackSlots?: number;
  maxFrames?: number;
  /** run numeric functions in the native tier (default true) */
  native?: boolean;
  /** native recursion depth before spilling to the interpreter (tests use tiny values) */
  nativeDepth?: number;
  nativeHot?: number;
  /** interned string constants and field-less objects, when another thread made them */
  strRefs?: Float64Array;
  unitRefs?: Float64Array;
  /** this thread's row of the crash table (ffi/crash.ts), for a program that calls C */
  crashRow?: Int32Array;
}


export class Interpreter {
  readonly codes: Int32Array[];
  readonly fns: FnProto[];
  readonly numbers: Float64Array;
  readonly strRefs: Float64Array;
  /** One i128/u128 instruction (vm/wide.ts) on the stack below sp; returns the new sp. */
  private wide(op: number, code: Int32Array, pc: number, sp: number): number {
    const arena = this.arena;
    const f = arena.f64;
    let r: number;
    switch (op) {
      case Op.WCONST:
        r = newWide(arena, BigInt(this.m.strings[code[pc]]));
        arena.f64[sp] = r;
        return sp + 1;
      case Op.WFROM_I: r = newWide(arena, fromNumber(f[sp - 1])); break;
      case Op.WFROM_F: r = newWide(arena, fromFloat(f[sp - 1], code[pc])); break;
      case Op.WTO_I: {
        const t = code[pc];
        const v = readWide(arena, f[sp - 1]);
        if (v > BigInt(IMAX[t]) || v < BigInt(IMIN[t])) throw new WideTrap('integer overflow');
        r = Number(v);
        break;
      }
      case Op.WTO_F: r = Number(readWide(arena, f[sp - 1])); break;
      case Op.WCAST: {
        const v = readWide(arena, f[sp - 1]);
        if (!wideFits(v, code[pc])) throw new WideTrap('integer overflow');
        r = newWide(arena, v);
        break;
      }
      case Op.WOP: {
        const t = code[pc + 1];
        const a = valueAs(readWide(arena, f[sp - 2]), t);
        const b = valueAs(readWide(arena, f[sp - 1]), t);
        r = newWide(arena, wideBinary(code[pc], a, b, t));
        arena.f64[sp - 2] = r;
        return sp - 1;
      }
      case Op.WNEG: r = newWide(arena, wideNeg(valueAs(readWide(arena, f[sp - 1]), code[pc]), code[pc])); break;
      case Op.WNOT: r = newWide(arena, wideNot(valueAs(readWide(arena, f[sp - 1]), code[pc]), code[pc])); break;
      case Op.WCMP: {
        const a = valueAs(readWide(arena, f[sp - 2]), code[pc]);
        const b = valueAs(readWide(arena, f[sp - 1]), code[pc]);
        arena.f64[sp - 2] = a < b ? -1 : a > b ? 1 : 0;
        return sp - 1;
      }
      case Op.WTOSTR: r = arena.newString(valueAs(readWide(arena, f[sp - 1]), code[pc]).toString()); break;
      default: throw new WideTrap('unknown i128 instruction');
    }
    arena.f64[sp - 1] = r;
    return sp;
  }

  /** per shape: the one shared object of a field-less shape (0 for shapes with fields) */
  readonly unitRefs: Float64Array;
  readonly stackSlots: number;
  readonly maxFrames: number;
  readonly natives: NativeEntry[];
  readonly native: NativeCode;
  sched!: Scheduler;
  /** C calls (src/ffi), for a program that declares externs */
  externs: ExternCalls | null = null;
  /** pointers, cells and libc.malloc (made on first use) */
  private mem: Memory | null = null;
  /** per extern: its bound C function, for native code (filled on first call) */
  readonly externFns: (CFunction | null)[];
  /** the fiber running now, and what its last slice returned */
  cur = 0;
  sliceResult = AS_DOUBLE;
  /** preemption budget left in this slice (native code spends it too) */
  budget = SLICE_BUDGET;
  /** result of the last native call, and registers to resume at after a spill */
  nativeResult = AS_DOUBLE;
  resume = { fn: 0, pc: 0, base: 0, sp: 0, depth: 0 };
  /** a spill the outermost native frame returned (NativeHelpers.spilled) */
  spilled: Unwind | null = null;
  /** a native select's operands and its four results */
  private readonly selectValues = new Float64Array(2 * MAX_SELECT_ARMS);
  private readonly selectResult = new Float64Array(4);
  /** the value of native code's last channel receive */
  private readonly chanValue = new Float64Array(1);

  constructor(readonly m: Module, readonly arena: Arena, readonly out: Output, readonly opts: VMOptions) {
    this.fns = m.functions;
    this.externFns = m.externs.map(() => null);
    this.codes = m.functions.map((f) => f.code);
    this.numbers = Float64Array.from(m.numbers);
    // string constants are interned once per program (by the first interpreter) and shared
    this.strRefs = opts.strRefs ?? Float64Array.from(m.strings.map((s) => arena.newString(s)));
    this.unitRefs = opts.unitRefs ?? Float64Array.from(internUnits(m, arena));
    this.stackSlots = opts.stackSlots ?? DEFAULT_STACK_SLOTS;
    this.maxFrames = opts.maxFrames ?? DEFAULT_MAX_FRAMES;
    this.native = opts.native === false
      ? { entries: m.functions.map(() => null), resumes: m.functions.map(() => null), isLeader: () => false, stops: m.functions.map(() => null) }
      : compileNative(m, this, {
        bitwise, bnot, f2i, wrapInt,
        externFns: this.externFns,
        bindExtern: (x) => (this.externFns[x] = this.externs!.bound(x)),
        crashRow: opts.crashRow ?? new Int32Array(ROW_WORDS),
        flushOutput: () => this.out.flush(),
        strRefs: this.strRefs,
        unitRefs: this.unitRefs,
        newObject: (shape) => this.nativeAlloc(NativeAlloc.Object, shape, 0),
        push: (sl, v) => this.nativeAlloc(NativeAlloc.Push, sl, v),
        concat: (a, b) => this.nativeAlloc(NativeAlloc.Concat, a, b),
        concatN: (k) => this.nativeAlloc(NativeAlloc.ConcatN, k, 0),
        concatValues: this.partValues,
        toStr: (c, v) => this.nativeAlloc(NativeAlloc.ToStr, c, v),
        newSlice: (n, vty) => this.nativeAlloc(NativeAlloc.Slice, n, vty),
        output: (b, x, y) => this.output(b, x, y),
        text: (r) => arena.readString(r),
        chanSend: (ch, v) => this.sched.chans.sendOrLeave(this.cur, ch, v),
        chanRecv: (ch) => {
          const chans = this.sched.chans;
          if (!chans.recvOrLeave(this.cur, ch)) return -1;
          this.chanValue[0] = chans.value;
          return chans.ok;
        },
        chanValue: this.chanValue,
        chanClose: (ch) => this.sched.chans.close(ch),
        chanLen: (ch) => this.sched.chans.len(ch),
        chanCap: (ch) => this.sched.chans.cap(ch),
        isCancelled: () => (this.sched.door.cancelled(this.cur) ? 1 : 0),
        select: (k) => {
          const sel = this.sched.selector;
          if (!sel.selectNow(this.cur, this.m.strings[k], this.selectValues)) return 0;
          const r = this.selectResult;
          r[0] = sel.arm;
          r[1] = sel.num;
          r[2] = sel.ref;
          r[3] = sel.status;
          return 1;
        },
        selectValues: this.selectValues,
        selectResult: this.selectResult,
      }, opts.nativeDepth, opts.nativeHot);
    this.natives = this.native.entries;
    this.closureFn = Int32Array.from(m.shapes, (s) => s.fn ?? -1);
    this.closureFields = Int32Array.from(m.shapes, (s) => s.refs.length);
    this.vtyRefs = Uint8Array.from(m.strings, (s) => (kindOfType(s) === 'r' ? 1 : 0));
    this.closureSig = m.shapes.map((_, i) => closureShapeSig(m, i));
  }

  /**
   * Native code spent the budget: true to spill and yield, false to go on with a new budget.
   * Native frames hold references the collector cannot see, so when another worker is stopping
   * the world they spill first (the interpreter parks for it at its next safepoint).
   */
  outOfBudget(): boolean {
    if (this.arena.i32[Meta.STW_REQ] !== 0 || this.sched.wantsYield()) return true;
    this.budget = SLICE_BUDGET;
    return false;
  }

  /** The arena's current f64 view (native code reads globals through it). */
  get f64(): Float64Array {
    return this.arena.f64;
  }

  /** The arena's current int32 view (native code reads object headers through it). */
  get i32(): Int32Array {
    return this.arena.i32;
  }

  /** The arena's current byte view (native code reads strings and byte slices through it). */
  get u8(): Uint8Array {
    return this.arena.u8;
  }

  /**
   * An allocation for native code (the NativeRuntime helper of the same name, with its two
   * operands): made without a collection, or 0 (nothing was changed). One method and no
   * closure per call: a closure made per append was most of a slice-filling loop's JS garbage.
   */
  private nativeAlloc(what: NativeAlloc, a: number, b: number): number {
    const arena = this.arena;
    arena.noCollect = true;
    try {
      switch (what) {
        case NativeAlloc.Object: {
          const sh = this.m.shapes[a];
          return arena.alloc(Tag.OBJECT, sh.refs.length * 8, a, sh.variant, false);
        }
        case NativeAlloc.Push:
          arena.push(a, b);
          return 1;
        case NativeAlloc.Concat:
          return arena.concat(a, b);
        case NativeAlloc.ConcatN:
          return this.concatParts(this.m.strings[a], this.partValues);
        case NativeAlloc.ToStr:
          return a === 0 ? arena.newDecimal(b) : arena.newString(numberText(TOSTR_CODES[a], b));
        case NativeAlloc.Slice:
          return arena.newSlice(a, a, b < 0 ? Elems.BYTES : this.vtyRefs[b]);
      }
    } catch (e) {
      if (e === NEEDS_COLLECTION) return 0;
      throw e;
    } finally {
      arena.noCollect = false;
    }
  }

  /**
   * Call a native function with its arguments at f64[sp - argc..]. Returns 'done' (result in
   * nativeResult), 'interpret' (it spilled before starting: run it in the interpreter), or
   * 'resume' (its frames were spilled into the arena: continue at this.resume).
   */
  callNative(nat: (f64: Float64Array, a: number) => number, fn: number, callPc: number, base: number, sp: number, argc: number, depth: number, spillSp = sp): 'done' | 'interpret' | 'resume' {
    let e: unknown;
    try {
      this.nativeResult = nat(this.arena.f64, sp - argc);
      if ((e = this.spilled) === null) return 'done';
      this.spilled = null;
    } catch (x) {
      e = x;
    }
    const u = this.spillOf(e, fn, callPc, depth, false);
    if (u.entry) return 'interpret';
    // the callee's frame goes where its arguments end at spillSp (CALL_CLOSURE passes them
    // above the stack top, and its callee's frame starts at the closure)
    this.sync(fn, callPc, base, spillSp, depth);
    this.spill(u.frames, fn, callPc, depth);
    return 'resume';
  }

  /**
   * What native code called at (fn, pc) threw, or returned as its spill: a spill is returned; a
   * trap is thrown as the Asthra error with every native frame's position (`resumed`: the
   * outermost native frame is the frame at (fn, pc) itself); anything else is thrown on.
   */
  private spillOf(e: unknown, fn: number, pc: number, depth: number, resumed: boolean): Unwind {
    if (!(e instanceof Unwind)) throw e;
    if (e.kind === 'trap') {
      const t = this.fail(e.message, fn, pc, depth);
      if (resumed) t.frames.shift();
      t.frames.unshift(...e.frames.map((f) => ({ fn: f.fn, pc: f.pc })));
      throw t;
    }
    return e;
  }

  /**
   * Continue the running fiber's top frame (fn at a block leader pc) in native code. 'done':
   * the frame returned nativeResult; 'resume': it spilled again, rewritten in place (this.resume);
   * 'interpret': a new frame the native tier did not take (its function is not hot yet).
   */
  private resumeNative(fn: number, pc: number, base: number, sp: number, depth: number): 'done' | 'resume' | 'interpret' {
    const f64 = this.arena.f64;
    const n = this.fns[fn].nlocals;
    let e: unknown;
    try {
      if (pc === 0 && sp === base + n) {
        // a frame that has not started (a new task): enter through the arguments, no copies;
        // a function that is not called natively (Tier.Partial) starts in the interpreter
        const entry = this.natives[fn];
        if (entry === null) return 'interpret';
        this.nativeResult = entry(f64, base);
      } else {
        const locals: number[] = [];
        const stack: number[] = [];
        for (let k = base; k < base + n; k++) locals.push(smi(f64[k]));
        for (let k = base + n; k < sp; k++) stack.push(smi(f64[k]));
        this.nativeResult = this.native.resumes[fn]!(pc, locals, stack);
      }
      if ((e = this.spilled) === null) return 'done';
      this.spilled = null;
    } catch (x) {
      e = x;
    }
    const u = this.spillOf(e, fn, pc, depth, true);
    // a function not translated yet (not hot) spills at its entry: the interpreter starts it
    if (u.entry) return 'interpret';
    // spilled again: the outermost native frame is the resumed one, rewritten in place
    const outer = u.frames[u.frames.length - 1];
    const top = base + n;
    for (let k = 0; k < n; k++) f64[base + k] = outer.locals[k];
    for (let k = 0; k < outer.stack.length; k++) f64[top + k] = outer.stack[k];
    if (u.frames.length === 1) {
      this.resume = { fn, pc: outer.pc, base, sp: top + outer.stack.length, depth };
      return 'resume';
    }
    // deeper frames too: `fn` is inside the CALL at outer.pc; push that call's arguments (the
    // callee's first locals) and spill the callee frames above it
    const callee = u.frames[u.frames.length - 2];
    const argc = this.fns[callee.fn].arity;
    for (let k = 0; k < argc; k++) f64[top + outer.stack.length + k] = callee.locals[k];
    this.sync(fn, outer.pc, base, top + outer.stack.length + argc, depth);
    this.spill(u.frames.slice(0, -1), fn, outer.pc, depth);
    return 'resume';
  }

  /**
   * Write native frames (innermost first) into the running fiber's stack as interpreter frames
   * above the caller, whose registers are synced with its arguments still pushed; the registers
   * to resume at go to this.resume (absolute base and sp).
   */
  private spill(frames: NativeFrame[], callerFn: number, callPc: number, depth: number): void {
    const fiber = this.cur;
    const i32w = fw(fiber, 0);
    const argc = this.fns[frames[frames.length - 1].fn].arity;
    let slotsNeeded = this.arena.i32[i32w + F.SP] - argc;
    for (const fr of frames) slotsNeeded += this.fns[fr.fn].nlocals + fr.stack.length + this.fns[fr.fn].maxStack;
    let L = stackLayout(this.arena, this.arena.i32[i32w + F.STACK]);
    if (slotsNeeded > L.slotCap || depth + frames.length > L.frameCap) {
      // growing the stack may collect: until the frames are written, their references are
      // held only here (the verifier's stack maps say which values they are)
      const roots = this.arena.tempRoots;
      const held = roots.length;
      for (const fr of frames) {
        const proto = this.fns[fr.fn];
        for (let k = 0; k < fr.locals.length; k++) if (proto.localKinds[k] === 1) roots.push(fr.locals[k]);
        const shape = this.stackMap(fr.fn)[fr.pc] ?? '';
        for (let k = 0; k < fr.stack.length; k++) if (shape.charCodeAt(k) === 114 /* r */) roots.push(fr.stack[k]);
      }
      let grown: boolean;
      try {
        grown = growStack(this.arena, fiber, slotsNeeded, depth + frames.length + 1, this.stackSlots, this.maxFrames);
      } finally {
        roots.length = held;
      }
      if (!grown) throw this.fail('stack overflow', callerFn, callPc, depth);
      L = stackLayout(this.arena, this.arena.i32[i32w + F.STACK]);
    }
    const f64 = this.arena.f64;
    const i32 = this.arena.i32;
    let prev = { fn: callerFn, ret: callPc + 3, base: i32[i32w + F.BASE] };
    let rel = i32[i32w + F.SP] - argc;
    let d = depth;
    for (let i = frames.length - 1; i >= 0; i--) {
      const fr = frames[i];
      const proto = this.fns[fr.fn];
      const w = L.frameBase + d * FRAME_WORDS;
      i32[w] = prev.fn;
      i32[w + 1] = prev.ret;
      i32[w + 2] = prev.base;
      d++;
      const base = L.slot0 + rel;
      const top = base + proto.nlocals;
      for (let k = 0; k < fr.locals.length; k++) f64[base + k] = fr.locals[k];
      for (let k = 0; k < fr.stack.length; k++) f64[top + k] = fr.stack[k];
      if (i === 0) {
        this.resume = { fn: fr.fn, pc: fr.pc, base, sp: top + fr.stack.length, depth: d };
      } else {
        prev = { fn: fr.fn, ret: fr.pc + 3, base: rel };
        rel += proto.nlocals + fr.stack.length;
      }
    }
  }

  private stackMaps: ((string | undefined)[] | undefined)[] = [];

  /** The verifier's stack kinds of function `fn` at each pc ('n' number, 'r' reference). */
  private stackMap(fn: number): (string | undefined)[] {
    let map = this.stackMaps[fn];
    if (map === undefined) map = this.stackMaps[fn] = stackShapes(this.m, this.fns[fn]).at;
    return map;
  }

  fail(message: string, fn: number, pc: number, depth: number): Trap {
    const frames = [{ fn, pc }];
    const i32 = this.arena.i32;
    const frameBase = stackLayout(this.arena, i32[fw(this.cur, F.STACK)]).frameBase;
    for (let d = depth - 1; d >= 0; d--) {
      const w = frameBase + d * FRAME_WORDS;
      frames.push({ fn: i32[w], pc: i32[w + 1] - 1 });
    }
    return new Trap(message, frames);
  }

  /**
   * Per shape, for CALL_CLOSURE: the function a closure of that shape runs (-1: not a closure
   * shape), how many captured fields it passes first, and the signature a call must name.
   */
  readonly closureFn: Int32Array;
  readonly closureFields: Int32Array;
  /** per string constant: 1 when, read as a value type (a NEW_SLICE's or CHAN_NEW's operand), it is a reference type */
  readonly vtyRefs: Uint8Array;
  readonly closureSig: (string | null)[];

  /** CALL_CLOSURE of a value that is not a closure with the call's signature: only a corrupt file. */
  badClosure(fn: number, pc: number, depth: number): Trap {
    return this.fail(`CALL_CLOSURE of a value that is not a function of signature '${this.m.strings[this.codes[fn][pc + 1]]}' (the file is corrupt; recompile it from its source)`, fn, pc, depth);
  }

  private nlocals: Int32Array = new Int32Array(0);
  private maxStack: Int32Array = new Int32Array(0);

  /**
   * Run `fiber` until it returns (Done, result in sliceResult), parks (Blocked), yields
   * (Yielded) or spends its budget (Preempted). Its registers are in the arena before and after.
   */
  runSlice(fiber: number, sliceBudget: number): SliceEnd {
    let end = this.interpretSlice(fiber, sliceBudget);
    while (end === REENTER) end = this.interpretSlice(fiber, SLICE_BUDGET);
    return end;
  }

  /**
   * runSlice's work, which also ends (REENTER) when a frame that spilled out of native code has
   * spent a budget at a loop header where native code can take it up again: a spilled loop
   * would otherwise finish in the interpreter when no other task wants the worker.
   */
  private interpretSlice(fiber: number, sliceBudget: number): SliceEnd {
    const arena = this.arena;
    let f64 = arena.f64;
    let i32 = arena.i32;
    const fns = this.fns;
    const codes = this.codes;
    const numbers = this.numbers;
    const strRefs = this.strRefs;
    const unitRefs = this.unitRefs;
    const natives = this.natives;
    if (this.nlocals.length !== fns.length) {
      this.nlocals = Int32Array.from(fns, (f) => f.nlocals);
      this.maxStack = Int32Array.from(fns, (f) => f.maxStack);
    }
    const nlocals = this.nlocals;
    const maxStack = this.maxStack;
    this.cur = fiber;
    // the task a C call is made for, should it crash the process (ffi/crash.ts)
    if (this.externs !== null) this.externs.crashRow[Row.FIBER] = fiber;
    let budget = sliceBudget;
    const fwb = fw(fiber, 0);
    // the stack's layout; re-read whenever the stack grows (read in place here: this runs once
    // a slice, and a slice of a task that hands off at once is a few instructions long)
    const stack0 = i32[fwb + F.STACK];
    let sb = stackSlot0(i32, stack0);
    let stackLimit = sb + stackSlotCap(i32, stack0);
    let frameBase = stackLimit * 2;
    let maxFrames = stackFrameCap(i32, stack0);
    let L: StackLayout;
    let fnIndex = i32[fwb + F.FN];
    let code = codes[fnIndex];
    let pc = i32[fwb + F.PC];
    let base = sb + i32[fwb + F.BASE];
    let sp = sb + i32[fwb + F.SP];
    let depth = i32[fwb + F.DEPTH];
    // a frame spilled out of native code at a loop header goes back into native code (and a
    // parked one at its park point); where the function's stops say no, without asking
    const stops = this.native.stops[fnIndex];
    if (this.native.resumes[fnIndex] !== null && (pc === 0 || ((stops === null || stops[pc] !== 0) && this.native.isLeader(fnIndex, pc)))) {
      this.budget = budget;
      const how = this.resumeNative(fnIndex, pc, base, sp, depth);
      if (how === 'done' && depth === 0) {
        // a whole task in native code (the common short task): nothing more to set up
        this.sliceResult = this.nativeResult;
        return SliceEnd.Done;
      }
      // 'interpret': a new task whose function is not hot yet starts here
      if (how !== 'interpret') {
        budget = this.budget;
        f64 = arena.f64;
        i32 = arena.i32;
        L = stackLayout(arena, i32[fwb + F.STACK]);
        sb = L.slot0;
        frameBase = L.frameBase;
        stackLimit = sb + L.slotCap;
        maxFrames = L.frameCap;
        if (how === 'done') {
          // returned to an interpreted caller (depth > 0: a task that returned is handled above)
          const v = this.nativeResult;
          depth--;
          const w = frameBase + depth * FRAME_WORDS;
          sp = base;
          fnIndex = i32[w];
          pc = i32[w + 1];
          base = sb + i32[w + 2];
          f64[sp++] = v;
        } else {
          const r = this.resume;
          fnIndex = r.fn;
          pc = r.pc;
          base = r.base;
          sp = r.sp;
          depth = r.depth;
        }
        code = codes[fnIndex];
        if (budget <= 0) {
          this.sync(fnIndex, pc, base, sp, depth);
          return SliceEnd.Preempted;
        }
      }
    }

    for (;;) {
      const op = code[pc++];
      switch (op) {
        case Op.PUSH_I:
          f64[sp++] = code[pc++];
          break;
        case Op.CONST_N:
          f64[sp++] = numbers[code[pc++]];
          break;
        case Op.CONST_S:
          f64[sp++] = strRefs[code[pc++]];
          break;
        case Op.POP:
          sp--;
          break;
        case Op.DUP:
          f64[sp] = f64[sp - 1];
          sp++;
          break;
        case Op.LOAD:
          f64[sp++] = f64[base + code[pc++]];
          break;
        case Op.STORE:
          f64[base + code[pc++]] = f64[--sp];
          break;
        case Op.GLOAD:
          f64[sp++] = f64[this.globalBase + code[pc++]];
          break;
        case Op.GSTORE:
          f64[this.globalBase + code[pc++]] = f64[--sp];
          break;
        case Op.INC_LOCAL: {
          const slot = base + code[pc];
          const t = code[pc + 2];
          const r = f64[slot] + code[pc + 1];
          pc += 3;
          if (r > IMAX[t] || r < IMIN[t]) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[slot] = r;
          break;
        }
        case Op.ADD_I: {
          const t = code[pc++];
          const r = f64[sp - 2] + f64[sp - 1];
          if (r > IMAX[t] || r < IMIN[t]) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp - 2] = r;
          sp--;
          break;
        }
        case Op.SUB_I: {
          const t = code[pc++];
          const r = f64[sp - 2] - f64[sp - 1];
          if (r > IMAX[t] || r < IMIN[t]) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp - 2] = r;
          sp--;
          break;
        }
        case Op.MUL_I: {
          const t = code[pc++];
          const r = f64[sp - 2] * f64[sp - 1];
          if (r > IMAX[t] || r < IMIN[t]) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp - 2] = r + 0;
          sp--;
          break;
        }
        case Op.DIV_I: {
          const t = code[pc++];
          const a = f64[sp - 2];
          const b = f64[sp - 1];
          if (b === 0) throw this.fail('division by zero', fnIndex, pc - 1, depth);
          // integers are within 2^53, so the rounded a / b never reaches the next integer (that
          // takes |a| >= 2^53) and its truncation is the exact quotient; % on doubles is a call
          // to fmod, several times slower
          const r = Math.trunc(a / b) + 0;
          if (r > IMAX[t] || r < IMIN[t]) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp - 2] = r;
          sp--;
          break;
        }
        case Op.MOD_I: {
          pc++;
          const b = f64[sp - 1];
          if (b === 0) throw this.fail('division by zero', fnIndex, pc - 1, depth);
          const a = f64[sp - 2];
          // int32 operands: an integer remainder; larger ones through the exact quotient (DIV_I)
          // and its product with b (within |a|), where % on doubles would call fmod
          f64[sp - 2] = ((a | 0) === a && (b | 0) === b ? (a | 0) % (b | 0) : a - Math.trunc(a / b) * b) + 0;
          sp--;
          break;
        }
        case Op.NEG_I: {
          const t = code[pc++];
          const r = 0 - f64[sp - 1];
          if (r > IMAX[t] || r < IMIN[t]) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp - 1] = r;
          break;
        }
        case Op.BAND: case Op.BOR: case Op.BXOR: case Op.SHL: case Op.SHR: {
          const t = code[pc++];
          const r = bitwise(op, t, f64[sp - 2], f64[sp - 1]);
          if (r !== r) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp - 2] = r;
          sp--;
          break;
        }
        case Op.BNOT: {
          const t = code[pc++];
          const r = bnot(t, f64[sp - 1]);
          if (r !== r) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp - 1] = r;
          break;
        }
        case Op.LOCAL_ADD_I: {
          const t = code[pc + 2];
          const r = f64[base + code[pc]] + f64[base + code[pc + 1]];
          pc += 3;
          if (r > IMAX[t] || r < IMIN[t]) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp++] = r;
          break;
        }
        case Op.LOCAL_SUB_IMM: {
          const t = code[pc + 2];
          const r = f64[base + code[pc]] - code[pc + 1];
          pc += 3;
          if (r > IMAX[t] || r < IMIN[t]) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp++] = r;
          break;
        }
        case Op.ADD_F:
          f64[sp - 2] = f64[sp - 2] + f64[sp - 1];
          sp--;
          break;
        case Op.SUB_F:
          f64[sp - 2] = f64[sp - 2] - f64[sp - 1];
          sp--;
          break;
        case Op.MUL_F:
          f64[sp - 2] = f64[sp - 2] * f64[sp - 1];
          sp--;
          break;
        case Op.DIV_F:
          f64[sp - 2] = f64[sp - 2] / f64[sp - 1];
          sp--;
          break;
        case Op.MOD_F:
          f64[sp - 2] = f64[sp - 2] % f64[sp - 1];
          sp--;
          break;
        case Op.NEG_F:
          f64[sp - 1] = -f64[sp - 1];
          break;
        case Op.F32:
          f64[sp - 1] = Math.fround(f64[sp - 1]);
          break;
        case Op.EQ:
          f64[sp - 2] = f64[sp - 2] === f64[sp - 1] ? 1 : 0;
          sp--;
          break;
        case Op.NE:
          f64[sp - 2] = f64[sp - 2] !== f64[sp - 1] ? 1 : 0;
          sp--;
          break;
        case Op.LT:
          f64[sp - 2] = f64[sp - 2] < f64[sp - 1] ? 1 : 0;
          sp--;
          break;
        case Op.LE:
          f64[sp - 2] = f64[sp - 2] <= f64[sp - 1] ? 1 : 0;
          sp--;
          break;
        case Op.GT:
          f64[sp - 2] = f64[sp - 2] > f64[sp - 1] ? 1 : 0;
          sp--;
          break;
        case Op.GE:
          f64[sp - 2] = f64[sp - 2] >= f64[sp - 1] ? 1 : 0;
          sp--;
          break;
        case Op.NOT:
          f64[sp - 1] = f64[sp - 1] === 0 ? 1 : 0;
          break;
        case Op.EQ_S:
          f64[sp - 2] = this.equalStrings(f64[sp - 2], f64[sp - 1]) ? 1 : 0;
          sp--;
          break;
        case Op.CMP_S:
          f64[sp - 2] = this.compareStrings(f64[sp - 2], f64[sp - 1]);
          sp--;
          break;
        case Op.JMP: {
          const t = code[pc];
          if (t < pc && --budget <= 0) {
            this.sync(fnIndex, t, base, sp, depth);
            if (this.sched.outOfBudget()) return SliceEnd.Preempted;
            if (this.native.isLeader(fnIndex, t)) return REENTER;
            budget = SLICE_BUDGET;
            f64 = arena.f64;
            i32 = arena.i32;
          }
          pc = t;
          break;
        }
        case Op.JMP_F:
          if (f64[--sp] === 0) pc = code[pc];
          else pc++;
          break;
        case Op.JMP_T:
          if (f64[--sp] !== 0) pc = code[pc];
          else pc++;
          break;
        case Op.JLT_LOCALS:
          if (f64[base + code[pc]] < f64[base + code[pc + 1]]) pc = code[pc + 2];
          else pc += 3;
          break;
        case Op.JGE_LOCALS:
          if (f64[base + code[pc]] >= f64[base + code[pc + 1]]) pc = code[pc + 2];
          else pc += 3;
          break;
        case Op.JGE_LOCAL_IMM:
          if (f64[base + code[pc]] >= code[pc + 1]) pc = code[pc + 2];
          else pc += 3;
          break;
        case Op.JLT_LOCAL_IMM:
          if (f64[base + code[pc]] < code[pc + 1]) pc = code[pc + 2];
          else pc += 3;
          break;
        case Op.JGT_LOCAL_IMM:
          if (f64[base + code[pc]] > code[pc + 1]) pc = code[pc + 2];
          else pc += 3;
          break;
        case Op.JNE_VARIANT:
          if (i32[(f64[base + code[pc]] >>> 2) + 3] !== code[pc + 1]) pc = code[pc + 2];
          else pc += 3;
          break;
        case Op.JLE_LOCAL_IMM:
          if (f64[base + code[pc]] <= code[pc + 1]) pc = code[pc + 2];
          else pc += 3;
          break;
        case Op.CALL: {
          const target = code[pc];
          if (--budget <= 0) {
            this.sync(fnIndex, pc - 1, base, sp, depth);
            if (this.sched.outOfBudget()) return SliceEnd.Preempted;
            budget = SLICE_BUDGET;
            f64 = arena.f64;
            i32 = arena.i32;
          }
          const nat = natives[target];
          if (nat !== null) {
            this.budget = budget;
            // native code may park for a stop-the-world: the fiber's frames must be in the arena
            this.sync(fnIndex, pc - 1, base, sp, depth);
            const how = this.callNative(nat, fnIndex, pc - 1, base, sp, code[pc + 1], depth);
            budget = this.budget;
            if (how === 'done') {
              sp -= code[pc + 1];
              f64[sp++] = this.nativeResult;
              pc += 2;
              break;
            }
            if (how === 'resume') {
              const r = this.resume;
              f64 = arena.f64;
              i32 = arena.i32;
              L = stackLayout(arena, i32[fwb + F.STACK]);
              sb = L.slot0;
              frameBase = L.frameBase;
              stackLimit = sb + L.slotCap;
              maxFrames = L.frameCap;
              fnIndex = r.fn;
              code = codes[fnIndex];
              pc = r.pc;
              base = r.base;
              sp = r.sp;
              depth = r.depth;
              if (budget <= 0) {
                this.sync(fnIndex, pc, base, sp, depth);
                return SliceEnd.Preempted;
              }
              break;
            }
            f64 = arena.f64;
            i32 = arena.i32;
          }
          const newBase = sp - code[pc + 1];
          const top = newBase + nlocals[target];
          if (depth >= maxFrames || top + maxStack[target] > stackLimit) {
            // grow the stack (a copy to a bigger block) and run the CALL again
            this.sync(fnIndex, pc - 1, base, sp, depth);
            if (!growStack(arena, fiber, top - sb + maxStack[target], depth + 1, this.stackSlots, this.maxFrames)) {
              throw this.fail('stack overflow', fnIndex, pc - 1, depth);
            }
            f64 = arena.f64;
            i32 = arena.i32;
            L = stackLayout(arena, i32[fwb + F.STACK]);
            base = L.slot0 + (base - sb);
            sp = L.slot0 + (sp - sb);
            sb = L.slot0;
            frameBase = L.frameBase;
            stackLimit = sb + L.slotCap;
            maxFrames = L.frameCap;
            pc--;
            break;
          }
          const w = frameBase + depth * FRAME_WORDS;
          i32[w] = fnIndex;
          i32[w + 1] = pc + 2;
          i32[w + 2] = base - sb;
          depth++;
          while (sp < top) f64[sp++] = 0;
          fnIndex = target;
          code = codes[target];
          base = newBase;
          pc = 0;
          break;
        }
        case Op.CALL_CLOSURE: {
          // [closure, args...] -> the closure's function with [captured fields..., args...]
          if (--budget <= 0) {
            this.sync(fnIndex, pc - 1, base, sp, depth);
            if (this.sched.outOfBudget()) return SliceEnd.Preempted;
            budget = SLICE_BUDGET;
            f64 = arena.f64;
            i32 = arena.i32;
          }
          const argc = code[pc + 1];
          const at = sp - argc - 1;
          const clo = f64[at];
          const hw = clo >>> 2;
          const shape = (i32[hw] & 0xff) === Tag.OBJECT ? i32[hw + HDR_AUX] : -1;
          const target = shape >= 0 && shape < this.closureFn.length ? this.closureFn[shape] : -1;
          if (target < 0 || this.closureSig[shape] !== this.m.strings[code[pc]]) throw this.badClosure(fnIndex, pc - 1, depth);
          const k = this.closureFields[shape];
          const nargs = k + argc;
          const top = at + nlocals[target];
          // room for the callee's frame, and for its arguments above the stack top (native calls)
          if (depth >= maxFrames || top + maxStack[target] + nargs > stackLimit) {
            this.sync(fnIndex, pc - 1, base, sp, depth);
            if (!growStack(arena, fiber, top - sb + maxStack[target] + nargs, depth + 1, this.stackSlots, this.maxFrames)) {
              throw this.fail('stack overflow', fnIndex, pc - 1, depth);
            }
            f64 = arena.f64;
            i32 = arena.i32;
            L = stackLayout(arena, i32[fwb + F.STACK]);
            base = L.slot0 + (base - sb);
            sp = L.slot0 + (sp - sb);
            sb = L.slot0;
            frameBase = L.frameBase;
            stackLimit = sb + L.slotCap;
            maxFrames = L.frameCap;
            pc--;
            break;
          }
          const s0 = Arena.slot0(clo);
          const nat = natives[target];
          if (nat !== null) {
            // the arguments go above the stack top, so the frame stays as its stack map says
            // (closure and arguments) while native code runs
            for (let j = 0; j < k; j++) f64[sp + j] = f64[s0 + j];
            for (let j = 0; j < argc; j++) f64[sp + k + j] = f64[at + 1 + j];
            this.budget = budget;
            this.sync(fnIndex, pc - 1, base, sp, depth);
            const how = this.callNative(nat, fnIndex, pc - 1, base, sp + nargs, nargs, depth, at + nargs);
            budget = this.budget;
            f64 = arena.f64;
            i32 = arena.i32;
            if (how === 'done') {
              sp = at;
              f64[sp++] = this.nativeResult;
              pc += 2;
              break;
            }
            if (how === 'resume') {
              const r = this.resume;
              L = stackLayout(arena, i32[fwb + F.STACK]);
              sb = L.slot0;
              frameBase = L.frameBase;
              stackLimit = sb + L.slotCap;
              maxFrames = L.frameCap;
              fnIndex = r.fn;
              code = codes[fnIndex];
              pc = r.pc;
              base = r.base;
              sp = r.sp;
              depth = r.depth;
              if (budget <= 0) {
                this.sync(fnIndex, pc, base, sp, depth);
                return SliceEnd.Preempted;
              }
              break;
            }
          }
          // in place: the arguments move up (or down) to follow the captured fields
          if (k > 1) for (let j = argc - 1; j >= 0; j--) f64[at + k + j] = f64[at + 1 + j];
          else if (k === 0) for (let j = 0; j < argc; j++) f64[at + j] = f64[at + 1 + j];
          for (let j = 0; j < k; j++) f64[at + j] = f64[s0 + j];
          const w = frameBase + depth * FRAME_WORDS;
          i32[w] = fnIndex;
          i32[w + 1] = pc + 2;
          i32[w + 2] = base - sb;
          depth++;
          sp = at + nargs;
          while (sp < top) f64[sp++] = 0;
          fnIndex = target;
          code = codes[target];
          base = at;
          pc = 0;
          break;
        }
        case Op.RET:
        case Op.RET_LOCAL: {
          const v = op === Op.RET ? f64[sp - 1] : f64[base + code[pc]];
          if (depth === 0) {
            this.sliceResult = v;
            this.sync(fnIndex, pc - 1, base, base, 0);
            return SliceEnd.Done;
          }
          depth--;
          const w = frameBase + depth * FRAME_WORDS;
          sp = base;
          fnIndex = i32[w];
          pc = i32[w + 1];
          base = sb + i32[w + 2];
          code = codes[fnIndex];
          f64[sp++] = v;
          break;
        }
        case Op.TRAP:
          throw this.fail(this.m.strings[code[pc]], fnIndex, pc - 1, depth);
        case Op.I2F:
          break;
        case Op.F2I: {
          const t = code[pc++];
          f64[sp - 1] = f2i(t, f64[sp - 1]);
          break;
        }
        case Op.ICAST: {
          const t = code[pc++];
          const r = wrapInt(f64[sp - 1], t);
          if (r !== r) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          f64[sp - 1] = r;
          break;
        }
        case Op.ICHECK: {
          const t = code[pc++];
          const a = f64[sp - 1];
          if (a > IMAX[t] || a < IMIN[t]) throw this.fail('integer overflow', fnIndex, pc - 1, depth);
          break;
        }
        // Allocating instructions: registers are written back first (a collection may scan this
        // fiber), operands stay on the stack until the new object exists, and the views are
        // re-read after the allocation (the arena may have grown).
        case Op.CONCAT: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const r = arena.concat(f64[sp - 2], f64[sp - 1]);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          f64[sp - 2] = r;
          sp--;
          break;
        }
        case Op.CONCAT_N: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const parts = this.m.strings[code[pc]];
          const n = parts.length;
          const vals = this.partValues;
          for (let k = 0; k < n; k++) vals[k] = f64[sp - n + k];
          const r = this.concatParts(parts, vals);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          sp -= n;
          f64[sp++] = r;
          pc++;
          break;
        }
        case Op.TOSTR_I: case Op.TOSTR_F: case Op.TOSTR_B: case Op.TOSTR_C: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const v = f64[sp - 1];
          const r = op === Op.TOSTR_I ? arena.newDecimal(v) : arena.newString(numberText(TOSTR_CODES[op - Op.TOSTR_I], v));
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          f64[sp - 1] = r;
          break;
        }
        case Op.STR_LEN:
          f64[sp - 1] = i32[(f64[sp - 1] >>> 2) + 1];
          break;
        case Op.STR_BYTES: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const n = i32[(f64[sp - 1] >>> 2) + 1];
          const s = arena.newSlice(n, n, Elems.BYTES);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          arena.u8.set(arena.stringBytes(f64[sp - 1]), arena.bytesBase(s));
          f64[sp - 1] = s;
          break;
        }
        case Op.STR_INDEX: {
          const s = f64[sp - 2];
          const i = f64[sp - 1];
          const len = i32[(s >>> 2) + 1];
          if (i < 0 || i >= len) throw this.fail(`index out of bounds: index ${i}, len ${len}`, fnIndex, pc - 1, depth);
          f64[sp - 2] = arena.u8[s + HEADER_BYTES + i];
          sp--;
          break;
        }
        case Op.NEW_SLICE: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const n = code[pc];
          const s = arena.newSlice(n, n, this.vtyRefs[code[pc + 1]]);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          pc += 2;
          const b0 = arena.sliceBase(s);
          sp -= n;
          for (let i = 0; i < n; i++) f64[b0 + i] = f64[sp + i];
          f64[sp++] = s;
          break;
        }
        case Op.SLICE_REPEAT: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const kind = code[pc++];
          const n = f64[sp - 1];
          const v = f64[sp - 2];
          this.repeatCount(n, 8, fnIndex, pc - 1, depth);
          const s = arena.newSlice(n, n, kind);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          const b0 = arena.sliceBase(s);
          f64.fill(v, b0, b0 + n);
          sp--;
          f64[sp - 1] = s;
          break;
        }
        case Op.NEW_BYTES: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const n = code[pc++];
          const s = arena.newSlice(n, n, Elems.BYTES);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          const b0 = arena.bytesBase(s);
          const u8 = arena.u8;
          sp -= n;
          for (let i = 0; i < n; i++) u8[b0 + i] = f64[sp + i];
          f64[sp++] = s;
          break;
        }
        case Op.REPEAT_BYTES: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const n = f64[sp - 1];
          const v = f64[sp - 2];
          this.repeatCount(n, 1, fnIndex, pc - 1, depth);
          const s = arena.newSlice(n, n, Elems.BYTES);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          const b0 = arena.bytesBase(s);
          arena.u8.fill(v & 255, b0, b0 + n);
          sp--;
          f64[sp - 1] = s;
          break;
        }
        case Op.SLICE_LEN:
          f64[sp - 1] = f64[Arena.slot0(f64[sp - 1]) + SLICE_LEN];
          break;
        case Op.SLICE_GET: {
          pc++;
          const r = f64[sp - 2];
          const h = Arena.slot0(r);
          const i = f64[sp - 1];
          const len = f64[h + SLICE_LEN];
          if (i < 0 || i >= len) throw this.fail(`index out of bounds: index ${i}, len ${len}`, fnIndex, pc - 1, depth);
          // a byte slice (layout.ts Elems.BYTES) holds one byte per element
          if (i32[(r >>> 2) + HDR_AUX] === Elems.BYTES) f64[sp - 2] = arena.u8[f64[h + SLICE_ARRAY] + HEADER_BYTES + f64[h + SLICE_OFFSET] + i];
          else f64[sp - 2] = f64[Arena.slot0(f64[h + SLICE_ARRAY]) + f64[h + SLICE_OFFSET] + i];
          sp--;
          break;
        }
        case Op.SLICE_SET: {
          pc++;
          const r = f64[sp - 3];
          const h = Arena.slot0(r);
          const i = f64[sp - 2];
          const len = f64[h + SLICE_LEN];
          if (i < 0 || i >= len) throw this.fail(`index out of bounds: index ${i}, len ${len}`, fnIndex, pc - 1, depth);
          if (i32[(r >>> 2) + HDR_AUX] === Elems.BYTES) arena.u8[f64[h + SLICE_ARRAY] + HEADER_BYTES + f64[h + SLICE_OFFSET] + i] = f64[sp - 1];
          else f64[Arena.slot0(f64[h + SLICE_ARRAY]) + f64[h + SLICE_OFFSET] + i] = f64[sp - 1];
          sp -= 3;
          break;
        }
        case Op.SLICE_PUSH:
          this.sync(fnIndex, pc - 1, base, sp, depth);
          pc++;
          arena.push(f64[sp - 2], f64[sp - 1]);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          sp -= 2;
          break;
        case Op.SLICE_SUB: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const mode = code[pc++];
          const hi0 = mode & 2 ? f64[--sp] : -1;
          const lo = mode & 1 ? f64[--sp] : 0;
          const s = f64[sp - 1];
          const len = f64[Arena.slot0(s) + SLICE_LEN];
          const hi = mode & 2 ? hi0 : len;
          if (lo < 0 || hi > len || lo > hi) {
            throw this.fail(`slice bounds out of range: [${lo}:${hi}] with len ${len}`, fnIndex, pc - 1, depth);
          }
          const r = arena.subSlice(s, lo, hi);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          f64[sp - 1] = r;
          break;
        }
        case Op.NEW_OBJ: {
          const unit = unitRefs[code[pc]];
          if (unit !== 0) {
            // a value without fields (Option.None, Shape.Empty) is one shared immutable object
            f64[sp++] = unit;
            pc++;
            break;
          }
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const shape = this.m.shapes[code[pc++]];
          const n = shape.refs.length;
          // no zero-fill: every field is written from the stack just below
          const ref = arena.alloc(Tag.OBJECT, n * 8, code[pc - 1], shape.variant, false);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          const s0 = Arena.slot0(ref);
          sp -= n;
          for (let i = 0; i < n; i++) f64[s0 + i] = f64[sp + i];
          f64[sp++] = ref;
          break;
        }
        case Op.GET_FIELD:
          f64[sp - 1] = f64[Arena.slot0(f64[sp - 1]) + code[pc]];
          pc += 2;
          break;
        case Op.SET_FIELD:
          f64[Arena.slot0(f64[sp - 2]) + code[pc]] = f64[sp - 1];
          pc += 2;
          sp -= 2;
          break;
        case Op.VARIANT:
          f64[sp - 1] = i32[(f64[sp - 1] >>> 2) + 3];
          break;
        case Op.BUILTIN: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const b = code[pc];
          const argc = code[pc + 1];
          pc += 2;
          const r = this.builtin(b, sp - argc, fnIndex, pc - 1, depth);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          sp -= argc;
          f64[sp++] = r;
          break;
        }
        case Op.SPAWN: case Op.SPAWN_H: {
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const argc = code[pc + 1];
          const h = this.sched.spawn(code[pc], sp - argc, argc, op === Op.SPAWN_H);
          // a spawn costs as much as many loop iterations: charged so (see SPAWN_COST), a
          // spawning loop is preempted after about 200 spawns (at the next back-edge or call)
          budget -= SPAWN_COST;
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          pc += 2;
          sp -= argc;
          if (op === Op.SPAWN_H) f64[sp++] = h;
          break;
        }
        case Op.AWAIT: {
          const h = f64[sp - 1];
          if (Atomics.load(i32, hw(h, H.STATE)) === TaskState.Running) {
            this.sync(fnIndex, pc - 1, base, sp, depth);
            if (this.sched.parkOnTask(fiber, h)) return SliceEnd.Blocked;
          }
          this.sched.observe(h);
          if (i32[hw(h, H.STATE)] === TaskState.Failed) {
            const name = fns[i32[hw(h, H.FN)]].name;
            throw this.fail(`task ${i32[hw(h, H.TASK)]} (${name}) failed: ${arena.readString(i32[hw(h, H.MESSAGE)])}`, fnIndex, pc - 1, depth);
          }
          f64[sp - 1] = f64[handleResultSlot(h)];
          pc++;
          break;
        }
        case Op.YIELD:
          this.sync(fnIndex, pc, base, sp, depth);
          return SliceEnd.Yielded;
        case Op.SLEEP: {
          const ms = f64[--sp];
          this.sync(fnIndex, pc, base, sp, depth);
          // a cancelled task's sleep returns at once
          if (this.sched.sleep(fiber, ms)) return SliceEnd.Blocked;
          break;
        }
        case Op.MUTEX_LOCK: {
          // parked in the mutex's FIFO, the fiber resumes after this instruction as the new
          // owner (unlock hands over), so its result slot says Ok before it parks
          const m = f64[sp - 1];
          f64[sp - 1] = MutexResult.Ok;
          this.sync(fnIndex, pc, base, sp, depth);
          const r = this.sched.mutexLock(fiber, m, sp - 1);
          if (r < 0) return SliceEnd.Blocked;
          f64[sp - 1] = r;
          break;
        }
        case Op.CHAN_NEW: {
          const cap = f64[sp - 1];
          if (!Number.isInteger(cap) || cap < 0) throw this.fail(`channel capacity ${cap} is negative`, fnIndex, pc - 1, depth);
          if (cap > MAX_CHAN_CAP) throw this.fail(`channel capacity ${cap} is too large (at most ${MAX_CHAN_CAP})`, fnIndex, pc - 1, depth);
          this.sync(fnIndex, pc - 1, base, sp, depth);
          const ch = this.sched.chanNew(cap, this.vtyRefs[code[pc]], fnIndex, pc - 1);
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          f64[sp - 1] = ch;
          pc++;
          break;
        }
        case Op.CHAN_SEND: {
          // parked, the fiber runs this instruction again when woken (operands still pushed);
          // the registers are saved only for a park
          let r = this.sched.chans.sendNow(fiber, f64[sp - 2], f64[sp - 1]);
          if (r < 0) {
            this.sync(fnIndex, pc - 1, base, sp, depth);
            r = this.sched.chanSendPark(fiber, f64[sp - 2], sp - 1);
            if (r < 0) return SliceEnd.Blocked;
          }
          sp--;
          f64[sp - 1] = r;
          pc++;
          break;
        }
        case Op.CHAN_RECV: {
          const chans = this.sched.chans;
          if (!chans.recvNow(fiber, f64[sp - 1])) {
            this.sync(fnIndex, pc - 1, base, sp, depth);
            if (!this.sched.chanRecvPark(fiber, f64[sp - 1])) return SliceEnd.Blocked;
          }
          f64[sp - 1] = chans.value;
          f64[sp++] = chans.ok;
          pc++;
          break;
        }
        case Op.CHAN_CLOSE:
          f64[sp - 1] = this.sched.chans.close(f64[sp - 1]);
          break;
        case Op.CHAN_LEN:
          f64[sp - 1] = this.sched.chans.len(f64[sp - 1]);
          break;
        case Op.CHAN_CAP:
          f64[sp - 1] = this.sched.chans.cap(f64[sp - 1]);
          break;
        case Op.SELECT: {
          const arms = this.m.strings[code[pc]];
          const npop = this.selectWidth(code[pc]);
          const first = sp - npop;
          this.sync(fnIndex, pc - 1, base, sp, depth);
          if (!this.sched.select(fiber, arms, first)) return SliceEnd.Blocked;
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          const sel = this.sched.selector;
          const code0 = arms.charCodeAt(sel.arm);
          if (code0 === 119 || code0 === 87) {
            // an await arm: a failed task fails the awaiter, as `await` does
            let at = first;
            for (let k = 0; k < sel.arm; k++) at += selectArmPops(arms[k]).length;
            const h = f64[at];
            this.sched.observe(h);
            if (i32[hw(h, H.STATE)] === TaskState.Failed) {
              const name = fns[i32[hw(h, H.FN)]].name;
              throw this.fail(`task ${i32[hw(h, H.TASK)]} (${name}) failed: ${arena.readString(i32[hw(h, H.MESSAGE)])}`, fnIndex, pc - 1, depth);
            }
          }
          sp = first;
          f64[sp++] = sel.arm;
          f64[sp++] = sel.num;
          f64[sp++] = sel.ref;
          f64[sp++] = sel.status;
          pc++;
          break;
        }
        case Op.CALL_EXTERN: {
          const x = code[pc];
          const first = sp - code[pc + 1];
          const calls = this.externs!;
          this.sync(fnIndex, pc - 1, base, sp, depth);
          // what the program printed is out before C runs (C may write too, or crash)
          this.out.flush();
          let r: number;
          try {
            if (calls.blocking[x] === 0) {
              r = calls.inline(x, first);
            } else {
              // parked, the fiber runs this instruction again when its call has returned
              if (!calls.call(fiber, x, first)) return SliceEnd.Blocked;
              r = calls.result;
            }
          } catch (e) {
            if (e instanceof CallError) throw this.fail(e.message, fnIndex, pc - 1, depth);
            throw e;
          }
          if (arena.f64 !== f64) ({ f64, i32 } = arena);
          sp = first;
          f64[sp++] = r;
          pc += 2;
          break;
        }
        case Op.NEW_CELL:
          this.sync(fnIndex, pc - 1, base, sp, depth);
          {
            const cell = arena.alloc(Tag.CELL, 8);
            if (arena.f64 !== f64) ({ f64, i32 } = arena);
            f64[sp++] = cell;
          }
          pc++;
          break;
        case Op.CELL_ADDR:
          f64[sp - 1] = this.memory().cellAddress(f64[sp - 1]);
          break;
        case Op.PTR_LOAD:
          try {
            f64[sp - 1] = this.memory().load(f64[sp - 1], code[pc]);
          } catch (e) {
            if (e instanceof MemoryError) throw this.fail(e.message, fnIndex, pc - 1, depth);
            throw e;
          }
          pc++;
          break;
        case Op.PTR_STORE:
          try {
            this.memory().store(f64[sp - 2], code[pc], f64[sp - 1]);
          } catch (e) {
            if (e instanceof MemoryError) throw this.fail(e.message, fnIndex, pc - 1, depth);
            throw e;
          }
          sp -= 2;
          pc++;
          break;
        case Op.BYTES_IN:
          this.sync(fnIndex, pc - 1, base, sp, depth);
          try {
            const [own, addr] = this.memory().bytesIn(f64[sp - 1]);
            if (arena.f64 !== f64) ({ f64, i32 } = arena);
            f64[sp - 1] = own;
            f64[sp++] = addr;
          } catch (e) {
            if (e instanceof MemoryError) throw this.fail(e.message, fnIndex, pc - 1, depth);
            throw e;
          }
          break;
        case Op.BYTES_OUT:
          try {
            this.memory().bytesOut(f64[sp - 2], f64[sp - 1]);
          } catch (e) {
            if (e instanceof MemoryError) throw this.fail(e.message, fnIndex, pc - 1, depth);
            throw e;
          }
          sp -= 2;
          break;
        case Op.WCONST: case Op.WFROM_I: case Op.WFROM_F: case Op.WTO_I: case Op.WTO_F: case Op.WCAST:
        case Op.WOP: case Op.WNEG: case Op.WNOT: case Op.WCMP: case Op.WTOSTR:
          // i128/u128: every result is a new block, so the frame is synced for the collector
          this.sync(fnIndex, pc - 1, base, sp, depth);
          try {
            sp = this.wide(op, code, pc, sp);
          } catch (e) {
            if (e instanceof WideTrap) throw this.fail(e.message, fnIndex, pc - 1, depth);
            throw e;
          }
          pc += opSize(op) - 1;
          f64 = arena.f64;
          i32 = arena.i32;
          break;
        case Op.TASK_CANCEL:
          this.sched.cancel(f64[sp - 1]);
          f64[sp - 1] = 0;
          break;
        case Op.IS_CANCELLED:
          f64[sp++] = i32[fw(fiber, F.CANCEL)];
          break;
        default:
          throw new Error(`interpreter: unknown opcode ${op} at pc ${pc - 1} in ${fns[fnIndex].name}`);
      }
    }
  }

  private memory(): Memory {
    if (this.mem === null) this.mem = new Memory(this.arena);
    return this.mem;
  }

  private selectWidths: number[] = [];

  /** Operand slots a SELECT with arm string `str` pops. */
  private selectWidth(str: number): number {
    let n = this.selectWidths[str];
    if (n === undefined) n = this.selectWidths[str] = [...this.m.strings[str]].map(selectArmPops).join('').length;
    return n;
  }

  /** the block holding the globals, and the f64 index of global 0 (set by the runner) */
  globalBlock = 0;
  globalBase = 0;

  /** A trap at the last safepoint (an allocation that could not be satisfied). */
  trapAtSafepoint(message: string): Trap {
    const i32 = this.arena.i32;
    const w = fw(this.cur, 0);
    return this.fail(message, i32[w + F.FN], i32[w + F.PC], i32[w + F.DEPTH]);
  }

  /** Write the running fiber's registers into the arena (at safepoints and when it stops). */
  sync(fn: number, pc: number, base: number, sp: number, depth: number): void {
    const i32 = this.arena.i32;
    const w = fw(this.cur, 0);
    const sb = stackSlot0(i32, i32[w + F.STACK]);
    i32[w + F.FN] = fn;
    i32[w + F.PC] = pc;
    i32[w + F.BASE] = base - sb;
    i32[w + F.SP] = sp - sb;
    i32[w + F.DEPTH] = depth;
  }

  /** text of the number operands of the CONCAT_N being run (reused) */
  private readonly partTexts: string[] = [];
  /** CONCAT_N's operands, copied off the stack (or out of native code's locals) */
  private readonly partValues: number[] = [];
  /** CONCAT_N: the length of each integer operand's digits (-1: its text is in partTexts) */
  private readonly partDigits: number[] = [];

  /**
   * CONCAT_N: the operands at f64[at..] (strings, or numbers written as text by `parts`), joined
   * into one new string: one allocation, each byte written once, an integer's digits straight
   * into the string (a float's or char's text goes through a JS string).
   */
  concatParts(parts: string, vals: number[]): number {
    const arena = this.arena;
    const texts = this.partTexts;
    const digits = this.partDigits;
    let total = 0;
    for (let k = 0; k < parts.length; k++) {
      const v = vals[k];
      const c = parts.charCodeAt(k);
      if (c === 115 /* s */) {
        total += arena.payloadBytes(v);
        continue;
      }
      if (c === 105 /* i */ && (digits[k] = decimalLength(v)) >= 0) {
        total += digits[k];
        continue;
      }
      digits[k] = -1;
      const text = numberText(c, v);
      texts[k] = text;
      // a number's text is ASCII; a char's may take up to 4 bytes of UTF-8
      total += c === 99 /* c */ ? Buffer.byteLength(text, 'utf8') : text.length;
    }
    const ref = arena.alloc(Tag.STRING, total, 0, 0, false);
    const u8 = arena.u8;
    let to = ref + HEADER_BYTES;
    for (let k = 0; k < parts.length; k++) {
      const c = parts.charCodeAt(k);
      if (c === 115 /* s */) {
        const s = vals[k];
        const len = arena.payloadBytes(s);
        copyBytes(u8, to, s + HEADER_BYTES, len);
        to += len;
        continue;
      }
      if (c === 105 /* i */ && digits[k] >= 0) {
        writeDecimal(u8, vals[k], to, digits[k]);
        to += digits[k];
        continue;
      }
      const text = texts[k];
      if (c === 99 /* c */) {
        to += arena.writeText(text, to);
        continue;
      }
      for (let i = 0; i < text.length; i++) u8[to + i] = text.charCodeAt(i);
      to += text.length;
    }
    return ref;
  }

  /** Byte-wise order of two strings (-1, 0, 1), compared in place in the arena. */
  compareStrings(a: number, b: number): number {
    return stringsCompare(this.arena.i32, this.arena.u8, a, b);
  }

  /** String equality: lengths first, then bytes in place. */
  equalStrings(a: number, b: number): boolean {
    return stringsEqual(this.arena.i32, this.arena.u8, a, b) === 1;
  }

  /** An output built-in (print, println, eprintln, log, log_tag) of strings x (and y). */
  output(b: number, x: number, y: number): number {
    const arena = this.arena;
    switch (b) {
      case B.print: this.out.stdout(arena.readString(x)); break;
      case B.println: case B.log: this.out.stdout(arena.readString(x) + '\n'); break;
      case B.eprintln: this.out.stderr(arena.readString(x) + '\n'); break;
      case B.log_tag: this.out.stdout(`[${arena.readString(x)}] ${arena.readString(y)}\n`); break;
    }
    return 0;
  }

  builtin(b: number, args: number, fn: number, at: number, depth: number): number {
    const f64 = this.arena.f64;
    const str = (i: number): string => this.arena.readString(f64[args + i]);
    switch (b) {
      case B.print: case B.println: case B.eprintln: case B.log: case B.log_tag:
        return this.output(b, f64[args], f64[args + 1]);
      case B.panic:
        throw this.fail(`panic: ${str(0)}`, fn, at, depth);
      case B.exit:
        throw new ExitRequest(f64[args]);
      case B.args:
        return this.stringSlice(this.opts.args);
      case B.mutex_create:
        return newMutex(this.arena);
      case B.mutex_unlock:
        return this.sched.mutexUnlock(this.cur, f64[args]);
      case B.mutex_destroy:
        return this.sched.mutexDestroy(f64[args]);
      case B.result_is_ok:
        return f64[args] === 0 ? 1 : 0;
      case B.slice_from_raw_parts: {
        const ptr = f64[args];
        const len = f64[args + 1];
        const owner = f64[args + 3];
        if (ptr === 0 && len > 0) throw this.fail('slice_from_raw_parts: null pointer', fn, at, depth);
        let bytes: Uint8Array;
        try {
          if (len > 0) this.memory().checkRange(ptr, len, 'pointer');
        } catch (e) {
          throw this.fail(`slice_from_raw_parts: ${(e as Error).message}`, fn, at, depth);
        }
        try {
          bytes = len === 0 ? new Uint8Array(0) : cBytes(ptr, len);
        } catch (e) {
          throw this.fail(`slice_from_raw_parts: cannot read ${len} bytes at ${ptr}: ${(e as Error).message}`, fn, at, depth);
        }
        const s = this.arena.newSlice(len, len, Elems.BYTES);
        this.arena.u8.set(bytes, this.arena.bytesBase(s));
        // ownership_gc: the memory is the runtime's now; its bytes live on in the slice
        if (owner !== 0 && ptr !== 0) {
          // memory libc.malloc gave goes back through its table (so a later free is a double free)
          if (this.arena.cmem.lookup(ptr) >= 0) this.memory().free(ptr);
          else freeC(ptr);
        }
        return s;
      }
      case B.malloc:
      case B.free:
        try {
          if (b === B.malloc) return this.memory().malloc(f64[args]);
          this.memory().free(f64[args]);
          return 0;
        } catch (e) {
          if (e instanceof MemoryError) throw this.fail(e.message, fn, at, depth);
          throw e;
        }
      default:
        return this.stdBuiltin(b, args, fn, at, depth);
    }
  }

  /**
   * The count of a repeated slice [v; n] (SLICE_REPEAT, REPEAT_BYTES) whose elements take `bytes`
   * each: a trap unless it is a whole number whose slice fits the heap.
   */
  private repeatCount(n: number, bytes: number, fn: number, at: number, depth: number): void {
    if (!Number.isInteger(n) || n < 0) throw this.fail(`a repeated slice [v; n] needs a count of 0 or more, got ${n}`, fn, at, depth);
    if (n * bytes > this.arena.limit) throw this.fail(`slice of ${n} ${bytes === 1 ? 'bytes' : 'elements'} is larger than the heap`, fn, at, depth);
  }

  /** A new []string holding the strings of list. */
  stringSlice(list: string[]): number {
    const roots = this.arena.tempRoots;
    const depth0 = roots.length;
    for (const a of list) roots.push(this.arena.newString(a));
    const s = this.arena.newSlice(list.length, list.length, 1);
    const b0 = this.arena.sliceBase(s);
    for (let i = 0; i < list.length; i++) this.arena.f64[b0 + i] = roots[depth0 + i];
    roots.length = depth0;
    return s;
  }

  /** The standard modules io, str, math and os (their rows in builtins.ts say what each does). */
  stdBuiltin(b: number, args: number, fn: number, at: number, depth: number): number {
    const f64 = this.arena.f64;
    const num = (i: number): number => f64[args + i];
    const str = (i: number): string => this.arena.readString(f64[args + i]);
    const text = (t: string): number => this.arena.newString(t);
    const pure = NUMERIC_BUILTINS[b as B];
    if (pure) return pure(num(0), num(1));
    switch (b) {
      case B.io_print: this.out.stdout(str(0)); return 0;
      case B.io_println: this.out.stdout(str(0) + '\n'); return 0;
      case B.io_eprintln: this.out.stderr(str(0) + '\n'); return 0;
      case B.io_read_line: return text(readStdinLine());
      case B.str_upper: return text(str(0).toUpperCase());
      case B.str_lower: return text(str(0).toLowerCase());
      case B.str_contains: return str(0).includes(str(1)) ? 1 : 0;
      case B.str_starts_with: return str(0).startsWith(str(1)) ? 1 : 0;
      case B.str_ends_with: return str(0).endsWith(str(1)) ? 1 : 0;
      case B.str_trim: return text(str(0).trim());
      case B.str_to_int: {
        const s = str(0);
        const n = parseI32(s);
        if (n === null) {
          const why = INT_TEXT.test(s) ? 'is out of range for i32' : 'is not an integer';
          throw this.fail(`str.to_int: ${JSON.stringify(s)} ${why}`, fn, at, depth);
        }
        return n;
      }
      case B.str_to_float: {
        const s = str(0);
        const x = parseF64(s);
        if (x === null) throw this.fail(`str.to_float: ${JSON.stringify(s)} is not a number`, fn, at, depth);
        return x;
      }
      case B.str_is_int: return parseI32(str(0)) === null ? 0 : 1;
      case B.str_is_float: return parseF64(str(0)) === null ? 0 : 1;
      case B.str_from_int: return text(String(num(0)));
      case B.str_from_float: return text(formatFloat(num(0)));
      case B.str_index_of: {
        const s = str(0);
        const i = s.indexOf(str(1));
        return i < 0 ? -1 : Buffer.byteLength(s.slice(0, i));
      }
      case B.str_replace: return text(str(0).split(str(1)).join(str(2)));
      case B.str_split: {
        const sep = str(1);
        return this.stringSlice(sep === '' ? [...str(0)] : str(0).split(sep));
      }
      case B.str_join: {
        const s = f64[args];
        const base = this.arena.sliceBase(s);
        const parts: string[] = [];
        for (let i = 0, n = this.arena.sliceLen(s); i < n; i++) parts.push(this.arena.readString(f64[base + i]));
        return text(parts.join(str(1)));
      }
      case B.str_repeat: {
        const n = num(1);
        const s = str(0);
        if (n < 0) throw this.fail(`str.repeat: count ${n} is negative`, fn, at, depth);
        if (s.length * n > MAX_STRING_CHARS) throw this.fail(`str.repeat: ${s.length} characters ${n} times is too long a string`, fn, at, depth);
        return text(s.repeat(n));
      }
      case B.os_getenv: return text(process.env[str(0)] ?? '');
      case B.os_clock: {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      }
      case B.os_time: return Date.now() / 1000;
      case B.os_args: return this.stringSlice([this.m.sourceName, ...this.opts.args]);
      default:
        throw new Error(`builtin ${b}`);
    }
  }
}

/** What str.to_int reads: an optional sign and decimal digits, nothing around them (Rust's and Go's rule). */
const INT_TEXT = /^[+-]?[0-9]+$/;
const FLOAT_TEXT = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$|^[+-]?(inf|infinity|nan)$/i;
/** The longest string str.repeat makes (a bigger one would exhaust memory rather than fail clearly). */
const MAX_STRING_CHARS = 1 << 28;

function parseI32(s: string): number | null {
  if (!INT_TEXT.test(s)) return null;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

function parseF64(s: string): number | null {
  if (!FLOAT_TEXT.test(s)) return null;
  const t = s.toLowerCase().replace(/^([+-]?)inf(inity)?$/, '$1Infinity').replace(/^[+-]?nan$/, 'NaN');
  return Number(t);
}

/** The next line of standard input, without its line end; '' at the end of the input. */
function readStdinLine(): string {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, one, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0 || one[0] === 10) break;
    bytes.push(one[0]);
  }
  if (bytes.length > 0 && bytes[bytes.length - 1] === 13) bytes.pop();
  return Buffer.from(bytes).toString('utf8');
}
