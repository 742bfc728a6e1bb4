// The native tier: bytecode functions translated to JavaScript source once they are hot (see
// compileNative), so V8 compiles them to machine code. A function is called natively (Tier.Full)
// when every instruction it uses has a translation (the native column of bytecode/opcodes.ts:
// numbers, strings read in place, object fields, enum variants, slices, allocation of objects
// and slice appends, channel sends and receives that complete at once) and every function it
// calls is Full too: fib, integer loops, float kernels, tree walks, the sieve, a producer's send
// loop. Any other function (Tier.Partial: it spawns, awaits, locks, selects) runs natively from
// its loop headers and from where its task resumes after parking, up to the first instruction
// left to the interpreter, where the frame spills and the interpreter goes on.
//
// Invariants that keep the two tiers one machine:
//  - No collection ever runs while a native frame is on the JS stack, so native frames may hold
//    references the collector cannot see. The three ways a collection could start all go round
//    them: native code allocates with the arena's noCollect set (an allocation that would have to
//    collect, or park for another worker's collection, throws NEEDS_COLLECTION before it changes
//    anything, and the frame spills at that instruction: the interpreter does it again, where a
//    collection may run); native code's safepoint (a spent budget) spills instead of parking
//    when another worker is stopping the world; and the spill itself keeps the frames'
//    references in the arena's temporary roots while it may grow the fiber's stack.
//  - Native frames can be rebuilt as interpreter frames at any call site, loop header or
//    allocation ("spilling", a deoptimisation), with the verifier's stack maps telling which
//    slots hold references.
//  - Native recursion is bounded (NATIVE_DEPTH). At the bound, the callee spills: every native
//    frame on the JS stack is written into the fiber's arena stack as an interpreter frame and
//    the interpreter carries on, entering native code afresh for further calls. Deep recursion
//    therefore costs no JS stack. Preemption (the slice's budget is spent) spills the same way.
//  - A trap in native code unwinds with the (function, pc) of every native frame, so stack traces
//    are the same in both tiers.
// Each bytecode instruction becomes a few JS statements over variables l0..ln (locals) and
// s0..sk (stack slots, named by depth, which the verifier proves are equal at every join).
// Control flow is a `for (;;) switch (pc)` over basic blocks.
import { OPS, Op, forEachInstruction, opSize, parseClosureSig, selectArmPops } from '../bytecode/opcodes';
import { closureShapeSig } from '../bytecode/verify';
import { Elems, HDR_AUX, HEADER_BYTES, SLICE_ARRAY, SLICE_CAP, SLICE_LEN, SLICE_OFFSET, Tag } from '../heap/layout';
import type { FnProto, Module } from '../bytecode/module';
import { stackShapes } from '../bytecode/verify';
import { INT_NAMES, INT_RANGE } from '../bytecode/inttypes';
import { CTYPE_INT, CType } from '../bytecode/ctypes';
import { B, NUMERIC_BUILTINS, OUTPUT_BUILTINS } from '../bytecode/builtins';
import { Row } from '../ffi/crash';
import { stringsCompare, stringsEqual } from '../heap/arena';

export const NATIVE_DEPTH = 1500;
/** Loop back-edges are counted in a local and charged to the slice budget in batches. */
const BACKEDGE_BATCH = 1024;

/** A native frame as spilled or traced: innermost first in Unwind.frames. */
export interface NativeFrame {
  fn: number;
  pc: number;
  /** true: resume at pc with `stack` (the origin of a spill); false: inside the call at pc */
  resume: boolean;
  locals: number[];
  stack: number[];
}

/** Thrown through native frames: a trap (with its message) or a spill request. */
export class Unwind {
  frames: NativeFrame[] = [];
  /** a spill raised at a callee's entry, before the callee did anything */
  entry = true;
  constructor(readonly kind: 'trap' | 'spill', readonly message: string) {}
}

/**
 * How far a function runs in native code:
 *  - Full: every instruction is translated and every function it calls is Full too. It is
 *    called natively (from the interpreter once hot, and from other native code).
 *  - Partial: some instruction is left to the interpreter (a spawn, an await, a lock, a select,
 *    a call of a function that is not Full). Native code spills the frame at that instruction
 *    and the interpreter carries on from there, so such a function is never called natively: it
 *    goes into native code only where a frame of it stops and starts again, at a loop header
 *    whose slice budget ran out, and at the instruction where a parked task resumes (a channel
 *    operation, or the one after a yield, a sleep or a lock). A consumer loop in `main`, which
 *    also spawns its producers, runs natively so.
 *  - None: the entry function, and a function too big to translate.
 */
export const enum Tier {
  None = 0,
  Partial = 1,
  Full = 2,
}

/** The tier of every function (see Tier). */
export function nativeTiers(m: Module): Tier[] {
  const tiers = m.functions.map((f, i) => (i === m.entry ? Tier.None : tierOf(m, f)));
  // a Full function that calls one that is not Full makes that call in the interpreter
  for (let changed = true; changed; ) {
    changed = false;
    m.functions.forEach((f, i) => {
      if (tiers[i] !== Tier.Full) return;
      for (const pc of instructionStarts(f)) {
        if (f.code[pc] === Op.CALL && tiers[f.code[pc + 1]] !== Tier.Full) {
          tiers[i] = Tier.Partial;
          changed = true;
          return;
        }
      }
    });
  }
  return tiers;
}

/** Which functions are Full (called natively). */
export function nativeEligible(m: Module): boolean[] {
  return nativeTiers(m).map((t) => t === Tier.Full);
}

function instructionStarts(f: FnProto): number[] {
  const out: number[] = [];
  forEachInstruction(f.code, (pc) => out.push(pc));
  return out;
}

/** A #[non_blocking] extern that takes and returns numbers only: native code calls it directly. */
function nativeExtern(m: Module, x: number): boolean {
  const e = m.externs[x];
  return !e.blocking && e.ret !== CType.String && e.ret !== CType.Ptr && !e.params.includes(CType.String);
}

/** Whether the instruction at pc has a translation (a CALL's callee is a separate question). */
function translated(m: Module, code: Int32Array, pc: number): boolean {
  const op = code[pc];
  if (op === Op.CALL_EXTERN) return nativeExtern(m, code[pc + 1]);
  if (op === Op.BUILTIN) return Boolean(NUMERIC_BUILTINS[code[pc + 1] as B]) || OUTPUT_BUILTINS.has(code[pc + 1]);
  // a select with an await arm stays with the interpreter (a failed task fails the awaiter)
  if (op === Op.SELECT) return !/[wW]/.test(m.strings[code[pc + 1]]);
  return OPS[op].native;
}

/** Whether native code runs the instruction at pc itself: it has a translation, and a CALL's
 * callee is Full (a call of any other function is left to the interpreter). */
function runsNatively(m: Module, code: Int32Array, pc: number, tiers: Tier[]): boolean {
  return translated(m, code, pc) && (code[pc] !== Op.CALL || tiers[code[pc + 1]] === Tier.Full);
}

function tierOf(m: Module, f: FnProto): Tier {
  let sites = 0;
  let tier = Tier.Full;
  for (const pc of instructionStarts(f)) {
    const op = f.code[pc];
    const info = OPS[op];
    // the places that can spill: jumps (loop back-edges), calls, allocations, channel
    // operations and every instruction left to the interpreter
    if (!translated(m, f.code, pc)) {
      tier = Tier.Partial;
      sites++;
    } else if (info.operands.includes('jump') || info.push === 'r' || op === Op.CALL || op === Op.CALL_CLOSURE || op === Op.SLICE_PUSH || op === Op.CHAN_SEND || op === Op.CHAN_RECV || op === Op.SELECT) {
      sites++;
    }
  }
  // every place that can spill lists every local and stack slot: past this bound the source
  // would run to many megabytes (10,000 nested loops in one function), which V8 would not
  // optimize anyway
  return sites * (f.nlocals + f.maxStack) <= MAX_SPILL_SLOTS ? tier : Tier.None;
}

/**
 * v as V8 keeps a small integer (a Smi) when it is one. A number read from a Float64Array is a
 * double to V8's type feedback, so a native function entered or resumed with such values would
 * do all its integer arithmetic as doubles (and % as a call to fmod): 26 ns an iteration of the
 * speedup benchmark's loop where it takes 3.6 with the same values as Smis.
 */
export function smi(v: number): number {
  return (v | 0) === v && (v !== 0 || 1 / v > 0) ? v | 0 : v;
}

/**
 * A translated line that calls out of the function: another function (N, CI, a closure's
 * invoker), C (X, bindX), or a runtime helper that may allocate or print. After one, native
 * code takes the heap views again (an allocation may have grown the arena). The pure helpers
 * (bitwise, bnot, f2i, wrapInt, the numeric built-ins NB, trap, spillAt) do not count.
 */
const CALLS_OUT = /\b(?:N|CI|X)\[|\b(?:inv|bindX|NO|PU|NS|CC|CN|TS|OUT|TX|FL|wideResult)\(|ctx\.(?!outOfBudget\b)\w+\(/;

/**
 * Where translate takes the heap views again (see CALLS_OUT): after an instruction that calls
 * out, and inside an allocating one between the allocation and its first store.
 */
const VIEWS = '@views';
const RELOAD_VIEWS = '    ' + VIEWS;

/** A bound on (spill sites x frame slots) of a function the native tier translates. */
const MAX_SPILL_SLOTS = 400_000;

const lit = (v: number): string => (Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v));

/**
 * The range check of int type t as a JS condition that is true on overflow. For a type whose
 * range holds every int32 (or uint32) the check first asks whether the value is one: V8 knows
 * the result of an int32 operation is, so the whole check folds away (the speedup benchmark's
 * loop, 3.6 -> 2.2 ns an iteration), and a double pays one more comparison.
 */
function outOfRange(v: string, t: number): string {
  const [lo, hi] = INT_RANGE[INT_NAMES[t]];
  if (INT_NAMES[t] === 'i32') return `((${v}) | 0) !== (${v})`;
  const range = `(${v}) > ${hi} || (${v}) < ${lo}`;
  if (lo <= -2147483648 && hi >= 2147483647) return `((${v}) | 0) !== (${v}) && (${range})`;
  if (lo === 0 && hi >= 4294967295) return `((${v}) >>> 0) !== (${v}) && (${range})`;
  return range;
}

/**
 * Translate one function to JS source: f<index>(d, args...) to call it, or to resume a frame
 * spilled earlier at block leader pc with locals L and stack S when RS = { pc, L, S } is set
 * before the call (the way back into native code after a preemption: without it a long loop
 * would finish in the interpreter). Every f followed by digits names a function, so no other
 * name in the generated code may have that form (a heap view called f64 once hid function 64).
 */
function translate(m: Module, index: number, depthLimit: number, sigIds: Map<string, number>, leaders: Set<number>, tiers: Tier[]): string {
  const f = m.functions[index];
  const code = f.code;
  const { at } = stackShapes(m, f);
  const starts = instructionStarts(f);
  const params = Array.from({ length: f.arity }, (_, i) => `l${i}`);
  const locals = Array.from({ length: f.nlocals - f.arity }, (_, i) => `l${f.arity + i} = 0`);
  const stackVars = Array.from({ length: f.maxStack }, (_, i) => `s${i} = 0`);
  const allLocals = Array.from({ length: f.nlocals }, (_, i) => `l${i}`);
  const out: string[] = [];
  const trap = (pc: number, msg: string): string => `throw trap(${index}, ${pc}, ${JSON.stringify(msg)})`;
  const trapExpr = (pc: number, msg: string): string => `throw trap(${index}, ${pc}, ${msg})`;
  out.push('  for (;;) switch (pc) {');
  for (const pc of starts) {
    if (leaders.has(pc)) out.push(`  case ${pc}:`);
    const shape = at[pc];
    if (shape === undefined) continue; // unreachable
    const emitted = out.length;
    const D = shape.length;
    const s = (i: number): string => `s${D - 1 - i}`; // s(0) = top
    const op = code[pc];
    const a = code[pc + 1];
    const b = code[pc + 2];
    const c = code[pc + 3];
    // a backward jump is a loop back-edge: it spends budget, and spills when the budget is gone
    const jump = (target: number): string => target > pc
      ? `{ pc = ${target}; continue; }`
      : `{ if (++tick === ${BACKEDGE_BATCH}) { tick = 0; if ((ctx.budget -= ${BACKEDGE_BATCH}) <= 0 && ctx.outOfBudget()) throw spillAt(${index}, ${target}, [${allLocals.join(', ')}], [${Array.from({ length: (at[target] ?? '').length }, (_, i) => `s${i}`).join(', ')}]); } pc = ${target}; continue; }`;
    const line = (t: string): void => {
      out.push('    ' + t);
    };
    // a reference this instruction reads from the heap's f64 view, as an int32: a double (as
    // V8 sees any Float64Array read) kept in a variable of the switch loop is boxed at every
    // store, and the strings benchmark's million comparisons made 30 MB of JS garbage so. A
    // reference is an offset below the heap's 2 GiB limit.
    const after = at[pc + opSize(op)];
    const asRef = (v: string): string => (after !== undefined && after[after.length - 1] === 'r' ? `(${v}) | 0` : v);
    // an allocation that needs a collection: spill this frame as it is before the instruction,
    // and the interpreter runs the instruction again, where it may collect
    const slots = `[${allLocals.join(', ')}], [${Array.from({ length: D }, (_, i) => `s${i}`).join(', ')}]`;
    const frame = `${index}, ${pc}, ${slots}`;
    const bail = (): string => `throw spillAt(${frame});`;
    // the same, as often as a task parks: the outermost native frame (d 0) returns, with the
    // spill in ctx.spilled, as a throw costs about a microsecond (a ping-pong's whole round trip
    // takes a quarter of that)
    const leave = (outermost: string, nested: string): string => `{ if (d === 0) { ctx.spilled = ${outermost}; return 0; } throw ${nested}; }`;
    // a channel operation or select that must wait (spillPark judges the visit)
    const wait = leave(`spillPark(${index}, tick, ${pc}, ${slots})`, `spillAt(${frame})`);
    if (!runsNatively(m, code, pc, tiers)) {
      // left to the interpreter (a Partial function): spill this frame before the instruction
      line(leave(`spillOp(${frame})`, `spillOp(${frame})`));
      continue;
    }
    switch (op) {
      case Op.PUSH_I: line(`s${D} = ${a};`); break;
      case Op.CONST_N: line(`s${D} = ${lit(m.numbers[a])};`); break;
      case Op.POP: break;
      case Op.DUP: line(`s${D} = s${D - 1};`); break;
      case Op.LOAD: line(`s${D} = l${a};`); break;
      case Op.STORE: line(`l${a} = ${s(0)};`); break;
      case Op.GLOAD: line(`s${D} = ${asRef(`ctx.f64[ctx.globalBase + ${a}]`)};`); break;
      case Op.GSTORE: line(`ctx.f64[ctx.globalBase + ${a}] = ${s(0)};`); break;
      case Op.INC_LOCAL: line(`l${a} += ${b}; if (${outOfRange(`l${a}`, c)}) ${trap(pc, 'integer overflow')};`); break;
      case Op.ADD_I: case Op.SUB_I: case Op.MUL_I: {
        const sym = op === Op.ADD_I ? '+' : op === Op.SUB_I ? '-' : '*';
        line(`${s(1)} = ${s(1)} ${sym} ${s(0)} + 0; if (${outOfRange(s(1), a)}) ${trap(pc, 'integer overflow')};`);
        break;
      }
      case Op.DIV_I:
        line(`if (${s(0)} === 0) ${trap(pc, 'division by zero')};`);
        line(`${s(1)} = Math.trunc(${s(1)} / ${s(0)}) + 0; if (${outOfRange(s(1), a)}) ${trap(pc, 'integer overflow')};`);
        break;
      case Op.MOD_I:
        // int32 operands: V8's integer remainder; larger ones through a float division, exact
        // within 2^53 (see the interpreter's DIV_I), where % on doubles would call fmod
        line(`if (${s(0)} === 0) ${trap(pc, 'division by zero')};`);
        line(`${s(1)} = ((${s(1)} | 0) === ${s(1)} && (${s(0)} | 0) === ${s(0)} ? (${s(1)} | 0) % (${s(0)} | 0) : ${s(1)} - Math.trunc(${s(1)} / ${s(0)}) * ${s(0)}) + 0;`);
        break;
      case Op.NEG_I: line(`${s(0)} = 0 - ${s(0)}; if (${outOfRange(s(0), a)}) ${trap(pc, 'integer overflow')};`); break;
      case Op.BAND: case Op.BOR: case Op.BXOR: case Op.SHL: case Op.SHR:
        line(`${s(1)} = bitwise(${op}, ${a}, ${s(1)}, ${s(0)}); if (${s(1)} !== ${s(1)}) ${trap(pc, 'integer overflow')};`);
        break;
      case Op.BNOT: line(`${s(0)} = bnot(${a}, ${s(0)}); if (${s(0)} !== ${s(0)}) ${trap(pc, 'integer overflow')};`); break;
      case Op.LOCAL_ADD_I: line(`s${D} = l${a} + l${b}; if (${outOfRange(`s${D}`, c)}) ${trap(pc, 'integer overflow')};`); break;
      case Op.LOCAL_SUB_IMM: line(`s${D} = l${a} - ${b}; if (${outOfRange(`s${D}`, c)}) ${trap(pc, 'integer overflow')};`); break;
      case Op.ADD_F: line(`${s(1)} = ${s(1)} + ${s(0)};`); break;
      case Op.SUB_F: line(`${s(1)} = ${s(1)} - ${s(0)};`); break;
      case Op.MUL_F: line(`${s(1)} = ${s(1)} * ${s(0)};`); break;
      case Op.DIV_F: line(`${s(1)} = ${s(1)} / ${s(0)};`); break;
      case Op.MOD_F: line(`${s(1)} = ${s(1)} % ${s(0)};`); break;
      case Op.NEG_F: line(`${s(0)} = -${s(0)};`); break;
      case Op.F32: line(`${s(0)} = Math.fround(${s(0)});`); break;
      case Op.EQ: case Op.NE: case Op.LT: case Op.LE: case Op.GT: case Op.GE: {
        const sym = { [Op.EQ]: '===', [Op.NE]: '!==', [Op.LT]: '<', [Op.LE]: '<=', [Op.GT]: '>', [Op.GE]: '>=' }[op];
        line(`${s(1)} = ${s(1)} ${sym} ${s(0)} ? 1 : 0;`);
        break;
      }
      case Op.NOT: line(`${s(0)} = ${s(0)} === 0 ? 1 : 0;`); break;
      case Op.JMP: line(jump(a)); break;
      case Op.JMP_F: line(`if (${s(0)} === 0) ${jump(a)}`); break;
      case Op.JMP_T: line(`if (${s(0)} !== 0) ${jump(a)}`); break;
      case Op.JLT_LOCALS: line(`if (l${a} < l${b}) ${jump(c)}`); break;
      case Op.JGE_LOCALS: line(`if (l${a} >= l${b}) ${jump(c)}`); break;
      case Op.JGE_LOCAL_IMM: line(`if (l${a} >= ${b}) ${jump(c)}`); break;
      case Op.JLT_LOCAL_IMM: line(`if (l${a} < ${b}) ${jump(c)}`); break;
      case Op.JGT_LOCAL_IMM: line(`if (l${a} > ${b}) ${jump(c)}`); break;
      case Op.JLE_LOCAL_IMM: line(`if (l${a} <= ${b}) ${jump(c)}`); break;
      case Op.CALL: {
        const args = Array.from({ length: b }, (_, i) => `s${D - b + i}`);
        const stack = Array.from({ length: D }, (_, i) => `s${i}`);
        line(`try { s${D - b} = N[${a}](d + 1${args.length ? ', ' + args.join(', ') : ''}); }`);
        line(`catch (e) { throw unwound(e, ${index}, ${pc}, [${allLocals.join(', ')}], [${stack.join(', ')}], ${b}); }`);
        break;
      }
      case Op.CALL_CLOSURE: {
        // the closure's shape must run a function of this signature (CS: its id per shape);
        // CI[shape] calls that function natively, or is null: spill, the interpreter calls it
        const clo = `s${D - b - 1}`;
        const args = Array.from({ length: b }, (_, i) => `s${D - b + i}`);
        const stack = Array.from({ length: D }, (_, i) => `s${i}`);
        const sig = sigIds.get(m.strings[a]) ?? -1;
        line(`{ const h = ${clo} >>> 2, sh = (ctx.i32[h] & 255) === ${Tag.OBJECT} ? ctx.i32[h + ${HDR_AUX}] : -1;`);
        line(`  if (sh < 0 || sh >= CS.length || CS[sh] !== ${sig}) throw trap(${index}, ${pc}, ${JSON.stringify(`CALL_CLOSURE of a value that is not a function of signature '${m.strings[a]}' (the file is corrupt; recompile it from its source)`)});`);
        line(`  try { const inv = CI[sh]; if (inv === null) throw new Unwind('spill', ''); ${clo} = inv(d + 1, ${clo}${args.length ? ', ' + args.join(', ') : ''}); }`);
        line(`  catch (e) { throw unwound(e, ${index}, ${pc}, [${allLocals.join(', ')}], [${stack.join(', ')}], ${b + 1}); } }`);
        break;
      }
      case Op.CALL_EXTERN: {
        // a #[non_blocking] numeric C function, called straight through koffi (bound on first use)
        const x = m.externs[a];
        // (integers of 32 bits or fewer as int32, which V8 passes to koffi unboxed; a double
        // would be a heap number allocated per call)
        const args = Array.from({ length: b }, (_, i) => {
          const t = x.params[i];
          return t === CType.Bool ? `s${D - b + i} !== 0` : t >= CType.I8 && t <= CType.I32 ? `s${D - b + i} | 0` : `s${D - b + i}`;
        });
        // 64-bit results must fit an Asthra integer exactly (koffi gives a BigInt past 2^53)
        const wide = x.ret === CType.I64 || x.ret === CType.U64 || x.ret === CType.ISize || x.ret === CType.USize;
        const range = wide ? INT_RANGE[CTYPE_INT[x.ret]!] : null;
        const conv = x.ret === CType.Bool ? 'r ? 1 : 0'
          : x.ret === CType.Void ? '0'
            : range ? `typeof r === 'number' && r <= ${range[1]} && r >= ${range[0]} ? r : wideResult(${index}, ${pc}, ${a}, r)`
              : x.ret === CType.Ptr ? `typeof r === 'number' ? r : wideResult(${index}, ${pc}, ${a}, r)` : 'r';
        // the crash table's row says which extern this thread is in, and where it was called
        // (ffi/crash.ts: read only if C crashes the process); what the program printed is
        // written out first (C may write too, or crash)
        line(`{ FL(); C[${Row.EXT}] = ${a + 1}; C[${Row.FN}] = ${index + 1}; C[${Row.PC}] = ${pc};`);
        line(`  const r = (X[${a}] || bindX(${a}))(${args.join(', ')}); C[${Row.EXT}] = 0; s${D - b} = ${conv}; }`);
        break;
      }
      case Op.BUILTIN: {
        const args = Array.from({ length: b }, (_, i) => `s${D - b + i}`);
        if (a === B.panic) {
          line(`${trapExpr(pc, `'panic: ' + TX(${args[0]})`)};`);
        } else if (OUTPUT_BUILTINS.has(a)) {
          // println and its kin: the interpreter's output buffer, written inline
          line(`s${D - b} = OUT(${a}, ${args.join(', ')});`);
        } else {
          // a numeric built-in (math.sqrt, ...): the interpreter's own function, called inline
          line(`s${D - b} = NB[${a}](${args.join(', ')});`);
        }
        break;
      }
      case Op.RET: line(`return ${s(0)};`); break;
      case Op.RET_LOCAL: line(`return l${a};`); break;
      case Op.TRAP: line(`${trapExpr(pc, JSON.stringify(m.strings[a]))};`); break;
      case Op.I2F: break;
      case Op.F2I: line(`${s(0)} = f2i(${a}, ${s(0)});`); break;
      case Op.ICAST: line(`${s(0)} = wrapInt(${s(0)}, ${a}); if (${s(0)} !== ${s(0)}) ${trap(pc, 'integer overflow')};`); break;
      case Op.ICHECK: line(`if (${outOfRange(s(0), a)}) ${trap(pc, 'integer overflow')};`); break;
      // strings, read in place
      case Op.CONST_S: line(`s${D} = SR[${a}];`); break;
      // in place, by free functions of the views (inlined by V8, where a method of the
      // interpreter took the views through its getters)
      case Op.EQ_S: line(`${s(1)} = EQS(HI, HU, ${s(1)}, ${s(0)});`); break;
      case Op.CMP_S: line(`${s(1)} = CMPS(HI, HU, ${s(1)}, ${s(0)});`); break;
      case Op.STR_LEN: line(`${s(0)} = ctx.i32[(${s(0)} >>> 2) + 1];`); break;
      case Op.STR_INDEX:
        line(`{ const len = ctx.i32[(${s(1)} >>> 2) + 1]; if (${s(0)} < 0 || ${s(0)} >= len) ${trapExpr(pc, `\`index out of bounds: index \${${s(0)}}, len \${len}\``)};`);
        line(`  ${s(1)} = ctx.u8[${s(1)} + ${HEADER_BYTES} + ${s(0)}]; }`);
        break;
      // objects and enums: a field is an 8-byte slot after the header; the variant is header word 3
      case Op.GET_FIELD: line(`${s(0)} = ${asRef(`ctx.f64[((${s(0)} + ${HEADER_BYTES}) >> 3) + ${a}]`)};`); break;
      case Op.SET_FIELD: line(`ctx.f64[((${s(1)} + ${HEADER_BYTES}) >> 3) + ${a}] = ${s(0)};`); break;
      case Op.VARIANT: line(`${s(0)} = ctx.i32[(${s(0)} >>> 2) + 3];`); break;
      case Op.JNE_VARIANT: line(`if (ctx.i32[(l${a} >>> 2) + 3] !== ${b}) ${jump(c)}`); break;
      case Op.NEW_OBJ: {
        // allocated without a collection (NO gives 0 when one is due: the interpreter makes it)
        const n = m.shapes[a].refs.length;
        if (n === 0) {
          line(`{ let r = UR[${a}]; if (r === 0 && (r = NO(${a})) === 0) ${bail()} s${D} = r; }`);
        } else {
          const fields = Array.from({ length: n }, (_, i) => `F[o + ${i}] = s${D - n + i};`);
          line(`{ const r = NO(${a}); if (r === 0) ${bail()}`);
          line(`  ${VIEWS} const F = HF, o = (r + ${HEADER_BYTES}) >> 3; ${fields.join(' ')} s${D - n} = r; }`);
        }
        break;
      }
      // slices: a header (len, cap, array, offset) over an array of 8-byte slots, or of bytes
      // (a length is an int32 too: a slice has fewer elements than the heap has bytes)
      case Op.SLICE_LEN: line(`${s(0)} = ctx.f64[((${s(0)} + ${HEADER_BYTES}) >> 3) + ${SLICE_LEN}] | 0;`); break;
      case Op.SLICE_GET: case Op.SLICE_SET: {
        const r = op === Op.SLICE_GET ? s(1) : s(2);
        const i = op === Op.SLICE_GET ? s(0) : s(1);
        line(`{ const F = ctx.f64, h = (${r} + ${HEADER_BYTES}) >> 3, len = F[h + ${SLICE_LEN}];`);
        line(`  if (${i} < 0 || ${i} >= len) ${trapExpr(pc, `\`index out of bounds: index \${${i}}, len \${len}\``)};`);
        if (op === Op.SLICE_GET) {
          line(`  ${r} = ctx.i32[(${r} >>> 2) + ${HDR_AUX}] === ${Elems.BYTES} ? ctx.u8[F[h + ${SLICE_ARRAY}] + ${HEADER_BYTES} + F[h + ${SLICE_OFFSET}] + ${i}] : ${asRef(`F[((F[h + ${SLICE_ARRAY}] + ${HEADER_BYTES}) >> 3) + F[h + ${SLICE_OFFSET}] + ${i}]`)}; }`);
        } else {
          line(`  if (ctx.i32[(${r} >>> 2) + ${HDR_AUX}] === ${Elems.BYTES}) ctx.u8[F[h + ${SLICE_ARRAY}] + ${HEADER_BYTES} + F[h + ${SLICE_OFFSET}] + ${i}] = ${s(0)}; else F[((F[h + ${SLICE_ARRAY}] + ${HEADER_BYTES}) >> 3) + F[h + ${SLICE_OFFSET}] + ${i}] = ${s(0)}; }`);
        }
        break;
      }
      case Op.SLICE_PUSH: {
        // in place while there is room (as Arena.push does it); growing goes through PU
        const r = s(1);
        line(`{ const F = ctx.f64, h = (${r} + ${HEADER_BYTES}) >> 3, len = F[h + ${SLICE_LEN}];`);
        line(`  if (len < F[h + ${SLICE_CAP}]) { if (ctx.i32[(${r} >>> 2) + ${HDR_AUX}] === ${Elems.BYTES}) ctx.u8[F[h + ${SLICE_ARRAY}] + ${HEADER_BYTES} + F[h + ${SLICE_OFFSET}] + len] = ${s(0)}; else F[((F[h + ${SLICE_ARRAY}] + ${HEADER_BYTES}) >> 3) + F[h + ${SLICE_OFFSET}] + len] = ${s(0)}; F[h + ${SLICE_LEN}] = len + 1; }`);
        line(`  else if (PU(${r}, ${s(0)}) === 0) ${bail()} }`);
        break;
      }
      case Op.NEW_SLICE: {
        // a slice literal of a values: allocated, then filled from the stack
        const vals = Array.from({ length: a }, (_, i) => `F[o + ${i}] = s${D - a + i};`);
        line(`{ const r = NS(${a}, ${b}); if (r === 0) ${bail()}`);
        if (a > 0) line(`  ${VIEWS} const F = HF, h = (r + ${HEADER_BYTES}) >> 3, o = ((F[h + ${SLICE_ARRAY}] + ${HEADER_BYTES}) >> 3) + F[h + ${SLICE_OFFSET}]; ${vals.join(' ')}`);
        line(`  s${D - a} = r; }`);
        break;
      }
      case Op.NEW_BYTES: {
        // a []u8 or []bool literal: one byte per element
        const vals = Array.from({ length: a }, (_, i) => `U[o + ${i}] = s${D - a + i};`);
        line(`{ const r = NS(${a}, -1); if (r === 0) ${bail()}`);
        if (a > 0) line(`  ${VIEWS} const F = HF, U = HU, h = (r + ${HEADER_BYTES}) >> 3, o = F[h + ${SLICE_ARRAY}] + ${HEADER_BYTES} + F[h + ${SLICE_OFFSET}]; ${vals.join(' ')}`);
        line(`  s${D - a} = r; }`);
        break;
      }
      // strings: made without a collection like objects (0: the interpreter makes this one)
      case Op.CONCAT: line(`{ const r = CC(${s(1)}, ${s(0)}); if (r === 0) ${bail()} ${s(1)} = r; }`); break;
      case Op.CONCAT_N: {
        const n = m.strings[a].length;
        const vals = Array.from({ length: n }, (_, i) => `CV[${i}] = s${D - n + i};`);
        line(`{ ${vals.join(' ')} const r = CN(${a}); if (r === 0) ${bail()} s${D - n} = r; }`);
        break;
      }
      case Op.TOSTR_I: case Op.TOSTR_F: case Op.TOSTR_B: case Op.TOSTR_C:
        line(`{ const r = TS(${op - Op.TOSTR_I}, ${s(0)}); if (r === 0) ${bail()} ${s(0)} = r; }`);
        break;
      // channels: the operation when it completes at once (the scheduler's own first step);
      // one that must wait spills this frame, and the interpreter runs it again and parks
      case Op.CHAN_SEND: line(`{ const r = KS(${s(1)}, ${s(0)}); if (r < 0) ${wait} ${s(1)} = r; }`); break;
      case Op.CHAN_RECV: line(`{ const r = KR(${s(0)}); if (r < 0) ${wait} ${s(0)} = SMI(KV[0]); s${D} = r; }`); break;
      case Op.CHAN_CLOSE: line(`${s(0)} = KC(${s(0)});`); break;
      case Op.CHAN_LEN: line(`${s(0)} = KL(${s(0)});`); break;
      case Op.CHAN_CAP: line(`${s(0)} = KP(${s(0)});`); break;
      case Op.IS_CANCELLED: line(`s${D} = KX();`); break;
      case Op.SELECT: {
        // the operands go to KSV, the four results come in KSR (arm, number, reference, status:
        // all but the number are int32, and read as such, see asRef)
        const n = [...m.strings[a]].reduce((k, arm) => k + selectArmPops(arm).length, 0);
        const vals = Array.from({ length: n }, (_, i) => `KSV[${i}] = s${D - n + i};`);
        const first = D - n;
        line(`{ ${vals.join(' ')} if (KSEL(${a}) === 0) ${wait}`);
        line(`  s${first} = KSR[0] | 0; s${first + 1} = SMI(KSR[1]); s${first + 2} = KSR[2] | 0; s${first + 3} = KSR[3] | 0; }`);
        break;
      }
      default:
        throw new Error(`native: no translation for ${OPS[op].name}`);
    }
    // the heap views are locals (HF, HI, HU): taken again after an instruction that calls out
    // of this function, since only a call can grow the arena (or refresh its views)
    for (let k = emitted; k < out.length; k++) {
      if (CALLS_OUT.test(out[k])) {
        out.push(RELOAD_VIEWS);
        break;
      }
    }
  }
  out.push(`  default: throw new Error('native f${index}: bad pc ' + pc);`);
  out.push('  }');
  out.push('}');
  // every other read of a view goes through the locals (the reloads themselves must not: made
  // `HF = HF`, they kept views that a grown arena had left behind, and native code that
  // allocated past the arena's first size read NaN)
  const body = out.join('\n').replace(/ctx\.f64\b/g, 'HF').replace(/ctx\.i32\b/g, 'HI').replace(/ctx\.u8\b/g, 'HU')
    .replaceAll(VIEWS, 'HF = ctx.f64; HI = ctx.i32; HU = ctx.u8;');
  // one function both enters (arguments in its parameters) and resumes a spilled frame (RS set
  // just before the call: its pc, locals and stack), so the body is written once. The locals
  // come in arrays the interpreter made of small integers where it could (smi()): V8 types a
  // load from such an array as an integer, and so keeps the loop's integers as integers. Read
  // from the heap view through SMI() here, they were numbers that might be doubles, and the
  // speedup benchmark's loop ran 1.5x slower.
  const restore = [
    ...allLocals.map((l, i) => `${l} = L[${i}];`),
    ...Array.from({ length: f.maxStack }, (_, i) => `s${i} = S.length > ${i} ? S[${i}] : 0;`),
  ];
  const entry = [
    `function f${index}(d${params.length ? ', ' + params.join(', ') : ''}) {`,
    `  let ${[...locals, ...stackVars, 'pc = 0', 'tick = 0', 'HF = ctx.f64', 'HI = ctx.i32', 'HU = ctx.u8'].join(', ')};`,
    `  if (RS !== null) { const L = RS.L, S = RS.S; pc = RS.pc; RS = null; ${restore.join(' ')} }`,
    // a spill at entry: too deep for the JS stack, or the slice's budget is spent (preemption)
    `  else if (d > ${depthLimit} || (--ctx.budget <= 0 && ctx.outOfBudget())) throw new Unwind('spill', '');`,
  ].join('\n');
  return `${entry}\n${body}`;
}

export interface NativeHelpers {
  f64: Float64Array;
  i32: Int32Array;
  u8: Uint8Array;
  globalBase: number;
  /** the running slice's preemption budget, spent at calls and loop back-edges */
  budget: number;
  /** the budget is spent: true to spill and yield, false to continue (the budget is renewed) */
  outOfBudget(): boolean;
  /** set by the outermost native frame when it spills by returning instead of throwing */
  spilled: Unwind | null;
}

export interface NativeRuntime {
  /** per extern: its bound C function once bindExtern has made it */
  externFns: (((...args: unknown[]) => unknown) | null)[];
  bindExtern(x: number): (...args: unknown[]) => unknown;
  /** this thread's row of the crash table (ffi/crash.ts) */
  crashRow: Int32Array;
  /** write out what the program has printed (before a C call) */
  flushOutput(): void;
  /** the interned string constants, and the field-less objects per shape (0: not a unit) */
  strRefs: Float64Array;
  unitRefs: Float64Array;
  /** a new object of shape `shape`, fields unset; 0 when the allocation needs a collection */
  newObject(shape: number): number;
  /** append `v` to slice `s`; 0 (and nothing changed) when growing it needs a collection */
  push(s: number, v: number): number;
  /** the allocating string and slice instructions, each 0 when it needs a collection:
   * a + b; the parts (m.strings[k], as CONCAT_N) of the values in concatValues; the text of v
   * as TOSTR_I + c would make it; a slice of n slots for the element type named by m.strings[vty]
   * (vty -1: of n bytes) */
  concat(a: number, b: number): number;
  concatN(k: number): number;
  concatValues: number[];
  /** the running task's channel operations, none of which parks (scheduler/chan.ts): a send's
   * SendStatus, or -1 when it must wait; a receive's ok (1 a value, 0 closed) with the value in
   * chanValue[0], or -1 when it must wait; close, len and cap as CHAN_CLOSE, CHAN_LEN, CHAN_CAP */
  chanSend(ch: number, v: number): number;
  chanRecv(ch: number): number;
  chanValue: Float64Array;
  chanClose(ch: number): number;
  chanLen(ch: number): number;
  chanCap(ch: number): number;
  /** 1 if the running task was cancelled, else 0 */
  isCancelled(): number;
  /** the select whose arm codes are m.strings[k] (no await arm), its operands in selectValues:
   * 1 with the arm, its number and reference values and status in selectResult, or 0 when it
   * must wait (scheduler/select.ts selectNow) */
  select(k: number): number;
  selectValues: Float64Array;
  selectResult: Float64Array;
  toStr(c: number, v: number): number;
  newSlice(n: number, vty: number): number;
  /** an output built-in (OUTPUT_BUILTINS) with its string arguments; the text of a string */
  output(b: number, a: number, c: number): number;
  text(s: number): string;
  bitwise(op: number, t: number, a: number, b: number): number;
  bnot(t: number, a: number): number;
  f2i(t: number, a: number): number;
  wrapInt(a: number, t: number): number;
}

/**
 * Compile every eligible function; returns, per function index, an entry thunk
 * `(f64, argBase) => result` or null. `ctx` gives native code the arena view and globals.
 */
export type NativeEntry = ((f64: Float64Array, a: number) => number) | null;
export type NativeResume = ((pc: number, locals: number[], stack: number[]) => number) | null;

export interface NativeCode {
  /** per function: call it with its arguments at f64[a..], or null (not native) */
  entries: NativeEntry[];
  /** per function: resume a spilled frame at a block leader, or null */
  resumes: NativeResume[];
  /** whether a frame of function fn at pc can go back into native code (pc is a block leader) */
  isLeader(fn: number, pc: number): boolean;
  /** per function, once isLeader has been asked about it: per pc, 0 where isLeader is false
   * (so the interpreter need not ask), else 1 or 2; null before */
  stops: (Uint8Array | null)[];
}

/**
 * Calls of a native function the interpreter makes before it is translated (see compileNative),
 * unless the program is run with --native-hot. Translating and parsing a small function costs
 * about 0.3 ms, a few hundred interpreted calls of it: the compile benchmark's program, 1,000
 * small methods called 3 to 9 times each, spent 0.29 s translating them at a threshold of 2.
 */
export const HOT_CALLS = 100;

/**
 * The block leaders of f: the cases of its translation's `switch (pc)`, and so where a spilled
 * frame can go back into native code (an unreachable one is never where a frame stops).
 */
function blockLeaders(f: FnProto): Set<number> {
  const leaders = new Set<number>([0]);
  for (const pc of instructionStarts(f)) {
    const op = f.code[pc];
    const info = OPS[op];
    info.operands.forEach((k, i) => {
      if (k === 'jump') leaders.add(f.code[pc + 1 + i]);
    });
    if (info.operands.includes('jump') || op === Op.RET || op === Op.RET_LOCAL || op === Op.TRAP) leaders.add(pc + opSize(op));
  }
  return leaders;
}

/**
 * Where a parked task of f starts again, and so where a frame of f can go back into native code
 * after a park: a channel operation (run again when woken), and the instruction after a yield, a
 * sleep or a lock; but only one inside a loop that native code can go round (its innermost loop
 * has no instruction left to the interpreter). A yield loop, or a lock loop that unlocks through
 * the runtime, would spill again within the iteration, and each such visit costs more than it
 * saves.
 */
function parkPoints(m: Module, f: FnProto, tiers: Tier[]): Set<number> {
  const starts = instructionStarts(f);
  const code = f.code;
  // the loops, as [header, back-edge] ranges of pcs
  const loops: [number, number][] = [];
  for (const pc of starts) {
    OPS[code[pc]].operands.forEach((k, i) => {
      if (k === 'jump' && code[pc + 1 + i] <= pc) loops.push([code[pc + 1 + i], pc]);
    });
  }
  const points = new Set<number>();
  for (const pc of starts) {
    const op = code[pc];
    const at = op === Op.CHAN_SEND || op === Op.CHAN_RECV || op === Op.SELECT ? pc : op === Op.YIELD || op === Op.SLEEP || op === Op.MUTEX_LOCK ? pc + opSize(op) : -1;
    if (at < 0) continue;
    let inner: [number, number] | null = null;
    for (const l of loops) if (l[0] <= at && at <= l[1] && (inner === null || l[1] - l[0] < inner[1] - inner[0])) inner = l;
    if (inner !== null && starts.every((q) => q < inner![0] || q > inner![1] || runsNatively(m, code, q, tiers))) points.add(at);
  }
  return points;
}

/** Park-point visits of a function between two looks at how many were worth it (isLeader). */
export const PARK_TRIAL = 64;
/** Loop iterations in native code that make a visit at a park point worth it. */
const SHORT_VISIT = 32;

/**
 * The native tier for module m. Which functions qualify is found when the first one is hot (or
 * a stopped frame first asks); each is translated only once it is hot: at its hotCalls-th call
 * from the interpreter (HOT_CALLS unless --native-hot), at its first call from native code, or
 * when a loop of it spends a slice's budget in the interpreter (the resume entry).
 * Until then its entry spills at once (the interpreter runs the call). A program of thousands of
 * functions that each run once no longer pays for translating and parsing them all: the compile
 * benchmark's 2,001 functions made 6 MB of JS, 0.6 s of its 1.25 s.
 * Native functions call each other through N (N[j]: function j's native code, or a stub that
 * translates it first), so each is translated and compiled on its own.
 */
export function compileNative(m: Module, ctx: NativeHelpers, rt: NativeRuntime, depthLimit = NATIVE_DEPTH, hotCalls = HOT_CALLS): NativeCode {
  const entries: NativeEntry[] = m.functions.map(() => null);
  const resumes: NativeResume[] = m.functions.map(() => null);
  const leaderSets: (Set<number> | null)[] = m.functions.map(() => null);
  const parkSets: (Set<number> | null)[] = m.functions.map(() => null);
  // per function and pc: 1 a block leader, 2 a park point, 0 neither (made on first use)
  const stops: (Uint8Array | null)[] = m.functions.map(() => null);
  const stopsOf = (fn: number): Uint8Array => {
    const f = m.functions[fn];
    const flags = new Uint8Array(f.code.length + 1);
    for (const pc of (parkSets[fn] ??= parkPoints(m, f, eligible()))) flags[pc] = 2;
    for (const pc of (leaderSets[fn] ??= blockLeaders(f))) flags[pc] = 1;
    return flags;
  };
  // per function: visits to native code at a park point since the last look, how many of them
  // were short (see spillPark) or met an instruction left to the interpreter, and whether park
  // points are given up on
  const visits = new Int32Array(m.functions.length);
  const wasted = new Int32Array(m.functions.length);
  const parkOff = new Uint8Array(m.functions.length);
  const isLeader = (fn: number, pc: number): boolean => {
    // a frame stopped inside a function: whether it qualifies is worth finding now (once), so
    // that a loop that yields a million times does not ask again each time
    if (tiers === null) eligible();
    if (resumes[fn] === null) return false;
    const flag = (stops[fn] ??= stopsOf(fn))[pc];
    if (flag !== 2) return flag === 1;
    if (parkOff[fn] !== 0) return false;
    // going back into native code at a park point and spilling at the next costs more than
    // interpreting a few instructions: given up on for a function whose visits are mostly so
    // (a ping-pong's loop parks at every operation; a buffered channel's, once in 128)
    if (++visits[fn] === PARK_TRIAL) {
      if (wasted[fn] * 2 > PARK_TRIAL) {
        parkOff[fn] = 1;
        const flags = stops[fn]!;
        for (let k = 0; k < flags.length; k++) if (flags[k] === 2) flags[k] = 0;
      }
      visits[fn] = wasted[fn] = 0;
    }
    return parkOff[fn] === 0;
  };
  // Which functions qualify, and the closure tables, are found when the first function is hot:
  // a program whose functions all run a few times pays for neither (50 ms at load for the
  // compile benchmark's 2,001 functions)
  let tiers: Tier[] | null = null;
  const sigIds = new Map<string, number>();
  const sigId = (sig: string | null): number => {
    if (sig === null) return -1;
    let id = sigIds.get(sig);
    if (id === undefined) sigIds.set(sig, (id = sigIds.size));
    return id;
  };
  const trap = (fn: number, pc: number, message: string): Unwind => {
    const u = new Unwind('trap', message);
    u.frames.push({ fn, pc, resume: true, locals: [], stack: [] });
    return u;
  };
  const spillAt = (fn: number, pc: number, locals: number[], stack: number[]): Unwind => {
    const u = new Unwind('spill', '');
    u.entry = false;
    u.frames.push({ fn, pc, resume: true, locals, stack });
    return u;
  };
  const spillOp = (fn: number, pc: number, locals: number[], stack: number[]): Unwind => {
    wasted[fn]++;
    return spillAt(fn, pc, locals, stack);
  };
  // a channel operation must wait: a visit of fewer than SHORT_VISIT loop iterations (`ticks`
  // back-edges, counted modulo the budget's batch) was not worth going native for
  const spillPark = (fn: number, ticks: number, pc: number, locals: number[], stack: number[]): Unwind => {
    if (ticks < SHORT_VISIT) wasted[fn]++;
    return spillAt(fn, pc, locals, stack);
  };
  const unwound = (e: unknown, fn: number, pc: number, locals: number[], stack: number[], argc: number): unknown => {
    if (!(e instanceof Unwind)) return e;
    if (e.kind === 'trap') {
      e.frames.push({ fn, pc, resume: false, locals: [], stack: [] });
    } else if (e.entry) {
      // the callee spilled before starting: resume here, at the CALL, with its arguments pushed
      e.entry = false;
      e.frames.push({ fn, pc, resume: true, locals, stack });
    } else {
      e.frames.push({ fn, pc, resume: false, locals, stack: stack.slice(0, stack.length - argc) });
    }
    return e;
  };
  // a 64-bit C result koffi gave as a BigInt (outside the exact range of a double): a trap
  const wideResult = (fn: number, pc: number, x: number, r: unknown): number => {
    throw trap(fn, pc, `the C function '${m.externs[x].name}' returned ${String(r)}, which is outside the range of its result type`);
  };
  const N: ((...a: number[]) => number)[] = [];
  const names = ['ctx', 'Unwind', 'trap', 'unwound', 'spillAt', 'spillOp', 'spillPark', 'bitwise', 'bnot', 'f2i', 'wrapInt', 'X', 'bindX', 'C', 'FL', 'wideResult', 'NB', 'SR', 'UR', 'NO', 'PU', 'NS', 'CC', 'CN', 'CV', 'TS', 'OUT', 'TX', 'SMI',
    'KS', 'KR', 'KV', 'KC', 'KL', 'KP', 'KX', 'KSEL', 'KSV', 'KSR', 'EQS', 'CMPS', 'N', 'CS', 'CI'];
  const values: unknown[] = [ctx, Unwind, trap, unwound, spillAt, spillOp, spillPark, rt.bitwise, rt.bnot, rt.f2i, rt.wrapInt, rt.externFns, rt.bindExtern, rt.crashRow, rt.flushOutput, wideResult, NUMERIC_BUILTINS, rt.strRefs, rt.unitRefs, rt.newObject, rt.push, rt.newSlice, rt.concat, rt.concatN, rt.concatValues, rt.toStr, rt.output, rt.text, smi,
    rt.chanSend, rt.chanRecv, rt.chanValue, rt.chanClose, rt.chanLen, rt.chanCap, rt.isCancelled, rt.select, rt.selectValues, rt.selectResult, stringsEqual, stringsCompare, N];
  /** The tier of every function, once. */
  const eligible = (): Tier[] => {
    if (tiers !== null) return tiers;
    const found = nativeTiers(m);
    tiers = found;
    found.forEach((t, i) => {
      if (t !== Tier.Full) entries[i] = null;
      if (t === Tier.None) resumes[i] = null;
    });
    // closure calls: a small id per signature, the signature of each closure shape's function
    // (-1: not a closure shape) and an invoker for each shape whose function is Full
    const closureSigs = m.shapes.map((_, i) => sigId(closureShapeSig(m, i)));
    for (const str of m.strings) if (parseClosureSig(str)) sigId(str);
    const invokers = m.shapes.map((sh) => {
      if (sh.fn === undefined || found[sh.fn] !== Tier.Full) return 'null';
      const k = sh.refs.length;
      const args = Array.from({ length: m.functions[sh.fn].arity - k }, (_, j) => `a${j}`);
      const fields = Array.from({ length: k }, (_, j) => `heap[o + ${j}]`);
      return `function (d, c${args.map((x) => ', ' + x).join('')}) { const heap = ctx.f64, o = (c + ${HEADER_BYTES}) >> 3; return N[${sh.fn}](d${[...fields, ...args].map((x) => ', ' + x).join('')}); }`;
    });
    // the invokers call through N, so they are made at once (with every name but CS and CI)
    const CI = new Function(...names.slice(0, -2), `"use strict"; return [${invokers.join(',\n')}];`)(...values) as unknown[];
    values.push(closureSigs, CI);
    return found;
  };
  /** Translate function i and install it; false if it does not qualify (it stays interpreted). */
  const compile = (i: number): boolean => {
    const all = eligible();
    const tier = all[i];
    if (tier === Tier.None) return false;
    const f = m.functions[i];
    const leaders = new Set([...(leaderSets[i] ??= blockLeaders(f)), ...(parkSets[i] ??= parkPoints(m, f, all))]);
    const t = translate(m, i, depthLimit, sigIds, leaders, all);
    const args = Array.from({ length: f.arity }, (_, k) => `SMI(heap[a + ${k}])`);
    // RS: the frame the next call of f resumes (see translate), or null
    const source = ['"use strict";', 'let RS = null;', t,
      `return [f${i}, function (heap, a) { return f${i}(0${args.length ? ', ' + args.join(', ') : ''}); },`,
      `  function (pc, L, S) { RS = { pc, L, S }; return f${i}(0${', 0'.repeat(f.arity)}); }];`].join('\n');
    const [fn, entry, resume] = new Function(...names, source)(...values);
    if (tier === Tier.Full) {
      N[i] = fn;
      entries[i] = entry;
    }
    resumes[i] = resume;
    return true;
  };
  m.functions.forEach((f, i) => {
    if (i === m.entry) return;
    let calls = 0;
    // called only from native code, which calls Full functions only
    N[i] = (...a: number[]): number => {
      compile(i);
      return N[i](...a);
    };
    // a spill at the entry: the interpreter runs this call
    entries[i] = (heap: Float64Array, a: number): number => {
      if (++calls < hotCalls || eligible()[i] !== Tier.Full || !compile(i)) throw new Unwind('spill', '');
      return entries[i]!(heap, a);
    };
    // at a loop header whose budget ran out in the interpreter: at once; at a park point, once
    // the function is hot as a call would be
    resumes[i] = (pc: number, L: number[], S: number[]): number => {
      const loop = (leaderSets[i] ??= blockLeaders(f)).has(pc);
      if ((!loop && ++calls < hotCalls) || !compile(i)) throw new Unwind('spill', '');
      return resumes[i]!(pc, L, S);
    };
  });
  return { entries, resumes, isLeader, stops };
}
