// Unit tests for the bytecode verifier (src/bytecode/verify.ts) on hand-made modules. The Op const
// enum is erased at runtime, so opcode numbers come from the OPS table by name.
'use strict';
const { expect } = require('chai');
const { OPS, forEachInstruction } = require('../dist/bytecode/opcodes');
const { BUILTINS } = require('../dist/bytecode/builtins');
const { verifyModule, analyze, closureShapeSig, VerifyError } = require('../dist/bytecode/verify');

/** The opcode number of an instruction name (throws on a typo so a test cannot pass by accident). */
function op(name) {
  const i = OPS.findIndex((o) => o.name === name);
  if (i < 0) throw new Error(`no opcode ${name}`);
  return i;
}

function builtin(name) {
  const i = BUILTINS.findIndex((b) => b.name === name);
  if (i < 0) throw new Error(`no builtin ${name}`);
  return i;
}

const I32 = 2; // index of 'i32' in INT_NAMES (i8, i16, i32, ...)

/**
 * Assemble [['PUSH_I', 1], ['RET'], ...] into code words. A label string operand 'L:name' stands
 * for the pc of the instruction marked { label: 'name' }.
 */
function asm(lines) {
  const labels = {};
  let pc = 0;
  for (const l of lines) {
    if (typeof l === 'object' && !Array.isArray(l)) labels[l.label] = pc;
    else pc += l.length;
  }
  const words = [];
  for (const l of lines) {
    if (!Array.isArray(l)) continue;
    const [name, ...args] = l;
    words.push(typeof name === 'number' ? name : op(name));
    for (const a of args) words.push(typeof a === 'string' ? labels[a.slice(2)] : a);
  }
  return new Int32Array(words);
}

/** A function prototype; `locals` is a kind string like 'nr' (number, reference). */
function fn(name, { arity = 0, locals = '', maxStack = 8, ret = 'n', code }) {
  return {
    name,
    arity,
    nlocals: locals.length,
    maxStack,
    localKinds: Uint8Array.from([...locals].map((k) => (k === 'r' ? 1 : 0))),
    retKind: ret === 'r' ? 1 : 0,
    code: Array.isArray(code) ? asm(code) : code,
    lines: new Int32Array(0),
  };
}

/**
 * The element type of a NEW_SLICE or CHAN_NEW, written in code as T.n, T.s ...: mod() puts the
 * type in the string pool and the operand names it.
 */
const TYPE_NAMES = ['n', 's', '[n', 'm', 'hn'];
const T = Object.fromEntries(TYPE_NAMES.map((t, i) => [t, -1000 - i]));

function placeTypes(functions, strings) {
  for (const f of functions) {
    try {
      forEachInstruction(f.code, (pc, o) => {
        (OPS[o]?.operands ?? []).forEach((k, i) => {
          const v = f.code[pc + 1 + i];
          if (k !== 'vty' || v > -1000) return;
          const t = TYPE_NAMES[-1000 - v];
          let j = strings.indexOf(t);
          if (j < 0) j = strings.push(t) - 1;
          f.code[pc + 1 + i] = j;
        });
      });
    } catch {
      // code a test cut short on purpose
    }
  }
  return strings;
}

function mod(functions, extra = {}) {
  return {
    sourceName: 'hand.astb',
    source: '',
    numbers: [1.5],
    shapes: [{ name: 'Pair', variant: 0, refs: Uint8Array.from([0, 1]), fields: ['n', 's'] }],
    globals: [{ name: 'count', kind: 0 }],
    functions,
    externs: [], callbacks: [],
    entry: 0,
    mainKind: 0,
    ...extra,
    strings: placeTypes(functions, [...(extra.strings ?? ['hello'])]),
  };
}

/** One-function module around `code`. */
function single(code, opts = {}) {
  return mod([fn('f', { ...opts, code })]);
}

/** The VerifyError of verifyModule(m), checked against { fn, pc, msg }. */
function rejects(m, { fn: fnName = 'f', pc, msg }) {
  let err;
  try {
    verifyModule(m);
  } catch (e) {
    err = e;
  }
  expect(err, 'verifyModule should throw').to.exist;
  if (!(err instanceof VerifyError)) throw new Error(`expected a VerifyError, got ${err && err.stack}`);
  expect(err.message, err.message).to.match(msg);
  expect(err.fnName, err.message).to.equal(fnName);
  if (pc !== undefined) expect(err.pc, err.message).to.equal(pc);
  expect(err.message.startsWith(`function '${fnName}' at pc ${err.pc}: `), err.message).to.equal(true);
  return err;
}

describe('verifier', () => {
  describe('valid hand-made code', () => {
    it('accepts straight-line arithmetic and reports its stack height', () => {
      const f = fn('f', { code: [['PUSH_I', 1], ['PUSH_I', 2], ['ADD_I', I32], ['RET']], maxStack: 2 });
      const m = mod([f]);
      expect(() => verifyModule(m)).to.not.throw();
      expect(analyze(m, f)).to.equal(2);
    });

    it('accepts a module using locals, constants, globals, shapes, calls, builtins, branches and a loop', () => {
      const helper = Object.assign(fn('helper', { arity: 2, locals: 'nr', ret: 'r', code: [['LOAD', 1], ['RET']], maxStack: 1 }), { localTypes: ['n', 's'], retType: 's' });
      const main = fn('main', {
        locals: 'nrr',
        maxStack: 3,
        code: [
          ['CONST_N', 0], ['STORE', 0],
          ['CONST_S', 0], ['STORE', 1],
          ['LOAD', 0], ['CONST_S', 0], ['CALL', 1, 2], ['STORE', 2],
          ['LOAD', 0], ['LOAD', 2], ['NEW_OBJ', 0], ['POP'],
          ['GLOAD', 0], ['PUSH_I', 1], ['ADD_I', I32], ['GSTORE', 0],
          { label: 'loop' },
          ['JGE_LOCAL_IMM', 0, 10, 'L:done'],
          ['INC_LOCAL', 0, 1, I32],
          ['JMP', 'L:loop'],
          { label: 'done' },
          ['LOAD', 0], ['PUSH_I', 3], ['LT'], ['JMP_F', 'L:else'],
          ['LOAD', 1], ['JMP', 'L:join'],
          { label: 'else' },
          ['LOAD', 2],
          { label: 'join' },
          ['BUILTIN', builtin('println'), 1], ['POP'],
          ['PUSH_I', 0], ['RET'],
        ],
      });
      expect(() => verifyModule(mod([main, helper]))).to.not.throw();
    });

    it('ignores unreachable code after a return', () => {
      // the trailing ADD_I would underflow, but nothing reaches it
      expect(() => verifyModule(single([['PUSH_I', 0], ['RET'], ['ADD_I', I32], ['RET']]))).to.not.throw();
    });
  });

  describe('decoding', () => {
    it('rejects an unknown opcode', () => {
      rejects(single([['PUSH_I', 0], [OPS.length], ['RET']]), { pc: 2, msg: new RegExp(`unknown opcode ${OPS.length}`) });
      rejects(single([[-1], ['RET']]), { pc: 0, msg: /unknown opcode -1/ });
      rejects(single([[9999]]), { pc: 0, msg: /unknown opcode 9999/ });
    });

    it('rejects an instruction cut off by the end of the code', () => {
      rejects(single([['PUSH_I', 1], ['RET'], ['PUSH_I']]), { pc: 3, msg: /PUSH_I is cut off by the end of the code/ });
      // CALL has two operands; only one is there
      const m = mod([fn('f', { code: new Int32Array([op('CALL'), 0]) })]);
      rejects(m, { pc: 0, msg: /CALL is cut off/ });
      rejects(single(new Int32Array([op('PUSH_I'), 0, op('JLT_LOCAL_IMM'), 0, 1])), { pc: 2, msg: /JLT_LOCAL_IMM is cut off/ });
    });

    it('rejects an empty function', () => {
      rejects(single(new Int32Array(0)), { msg: /empty function/ });
    });
  });

  describe('operands out of range', () => {
    it('rejects a local slot beyond the frame', () => {
      rejects(single([['LOAD', 1], ['RET']], { locals: 'n' }), { pc: 0, msg: /LOAD operand 1 \(local\) = 1 is out of range/ });
      rejects(single([['PUSH_I', 0], ['STORE', -1], ['PUSH_I', 0], ['RET']], { locals: 'n' }), { pc: 2, msg: /STORE operand 1 \(local\) = -1 is out of range/ });
      rejects(single([['INC_LOCAL', 3, 1, I32], ['PUSH_I', 0], ['RET']], { locals: 'nn' }), { pc: 0, msg: /INC_LOCAL operand 1 \(local\) = 3/ });
      rejects(single([['LOCAL_ADD_I', 0, 2, I32], ['RET']], { locals: 'nn' }), { pc: 0, msg: /LOCAL_ADD_I operand 2 \(local\) = 2/ });
    });

    it('rejects a number or string constant index beyond the pool', () => {
      rejects(single([['CONST_N', 1], ['RET']]), { pc: 0, msg: /CONST_N operand 1 \(num\) = 1 is out of range/ });
      rejects(single([['CONST_S', 5], ['POP'], ['PUSH_I', 0], ['RET']]), { pc: 0, msg: /CONST_S operand 1 \(str\) = 5 is out of range/ });
      rejects(single([['TRAP', 1]]), { pc: 0, msg: /TRAP operand 1 \(str\) = 1/ });
    });

    it('rejects a function index beyond the module', () => {
      rejects(single([['CALL', 1, 0], ['RET']]), { pc: 0, msg: /CALL operand 1 \(fn\) = 1 is out of range/ });
    });

    it('rejects a shape index beyond the module', () => {
      rejects(single([['NEW_OBJ', 1], ['POP'], ['PUSH_I', 0], ['RET']]), { pc: 0, msg: /NEW_OBJ operand 1 \(shape\) = 1 is out of range/ });
    });

    it('rejects a global index beyond the module', () => {
      rejects(single([['GLOAD', 1], ['RET']]), { pc: 0, msg: /GLOAD operand 1 \(global\) = 1 is out of range/ });
      rejects(single([['PUSH_I', 0], ['GSTORE', 7], ['PUSH_I', 0], ['RET']]), { pc: 2, msg: /GSTORE operand 1 \(global\) = 7/ });
    });

    it('rejects a bad integer type, kind or builtin operand', () => {
      rejects(single([['PUSH_I', 1], ['PUSH_I', 2], ['ADD_I', 10], ['RET']]), { pc: 4, msg: /ADD_I operand 1 \(ity\) = 10/ });
      rejects(single([['PUSH_I', 1], ['NEW_SLICE', 1, 99], ['POP'], ['PUSH_I', 0], ['RET']]), { pc: 2, msg: /NEW_SLICE operand 2 \(vty\) = 99 is out of range/ });
      rejects(single([['PUSH_I', 1], ['NEW_SLICE', 1, 0], ['POP'], ['PUSH_I', 0], ['RET']]), { pc: 2, msg: /NEW_SLICE names "hello" as its element type, which is not a value type/ });
      rejects(single([['BUILTIN', BUILTINS.length, 0], ['RET']]), { pc: 0, msg: /BUILTIN operand 1 \(builtin\) = \d+ is out of range/ });
    });

    it('rejects an entry function that does not exist', () => {
      const m = mod([fn('f', { code: [['PUSH_I', 0], ['RET']] })], { entry: 1 });
      rejects(m, { fn: '<module>', msg: /entry function 1 does not exist/ });
    });
  });

  describe('jumps', () => {
    it('rejects a jump into the middle of an instruction', () => {
      // PUSH_I 5 occupies pc 0..1; pc 1 is its operand
      rejects(single([['PUSH_I', 5], ['JMP', 1]]), { pc: 2, msg: /jump target 1 is not an instruction boundary/ });
      rejects(single([['PUSH_I', 1], ['JMP_F', 5], ['PUSH_I', 7], ['RET']]), { pc: 2, msg: /jump target 5 is not an instruction boundary/ });
    });

    it('rejects a jump out of the code (past the end, to the end, or negative)', () => {
      rejects(single([['JMP', 100], ['PUSH_I', 0], ['RET']]), { pc: 0, msg: /jump target 100 is not an instruction boundary/ });
      rejects(single([['JMP', 5], ['PUSH_I', 0], ['RET']]), { pc: 0, msg: /jump target 5 / }); // code.length
      rejects(single([['PUSH_I', 0], ['JMP_T', -2], ['PUSH_I', 0], ['RET']]), { pc: 2, msg: /jump target -2 / });
      rejects(single([['JGE_LOCAL_IMM', 0, 0, 999], ['PUSH_I', 0], ['RET']], { locals: 'n' }), { pc: 0, msg: /jump target 999 / });
    });
  });

  describe('stack', () => {
    it('rejects stack underflow', () => {
      rejects(single([['ADD_I', I32], ['RET']]), { pc: 0, msg: /ADD_I needs 2 values, the stack has 0/ });
      rejects(single([['PUSH_I', 1], ['ADD_I', I32], ['RET']]), { pc: 2, msg: /ADD_I needs 2 values, the stack has 1/ });
      rejects(single([['POP'], ['PUSH_I', 0], ['RET']]), { pc: 0, msg: /POP needs 1 values, the stack has 0/ });
      rejects(single([['RET']]), { pc: 0, msg: /RET needs 1 values, the stack has 0/ });
      const g = fn('g', { arity: 2, locals: 'nn', code: [['PUSH_I', 0], ['RET']] });
      rejects(mod([fn('f', { code: [['PUSH_I', 1], ['CALL', 1, 2], ['RET']] }), g]), { pc: 2, msg: /CALL needs 2 values, the stack has 1/ });
    });

    it('rejects a kind mismatch: integer arithmetic on string references', () => {
      rejects(single([['CONST_S', 0], ['CONST_S', 0], ['ADD_I', I32], ['RET']]), { pc: 4, msg: /ADD_I expects \[nn\] on the stack, found \[rr\]/ });
      rejects(single([['PUSH_I', 1], ['CONST_S', 0], ['MUL_I', I32], ['RET']]), { pc: 4, msg: /MUL_I expects \[nn\] on the stack, found \[nr\]/ });
    });

    it('rejects a kind mismatch: CONCAT on numbers', () => {
      rejects(single([['PUSH_I', 1], ['PUSH_I', 2], ['CONCAT'], ['RET']], { ret: 'r' }), { pc: 4, msg: /CONCAT expects \[rr\] on the stack, found \[nn\]/ });
    });

    it('rejects a kind mismatch on stores, returns, jumps and calls', () => {
      rejects(single([['CONST_S', 0], ['STORE', 0], ['PUSH_I', 0], ['RET']], { locals: 'n' }), { pc: 2, msg: /STORE expects \[n\] on the stack, found \[r\]/ });
      rejects(single([['PUSH_I', 0], ['GSTORE', 0], ['CONST_S', 0], ['GSTORE', 0], ['PUSH_I', 0], ['RET']]), { pc: 6, msg: /GSTORE expects \[n\].*found \[r\]/ });
      rejects(single([['CONST_S', 0], ['RET']]), { pc: 2, msg: /RET expects \[n\] on the stack, found \[r\]/ });
      rejects(single([['PUSH_I', 0], ['RET']], { ret: 'r' }), { pc: 2, msg: /RET expects \[r\] on the stack, found \[n\]/ });
      rejects(single([['CONST_S', 0], ['JMP_F', 4], ['PUSH_I', 0], ['RET']]), { pc: 2, msg: /JMP_F expects \[n\].*found \[r\]/ });
      const callee = fn('g', { arity: 1, locals: 'r', ret: 'r', code: [['LOAD', 0], ['RET']] });
      rejects(mod([fn('f', { code: [['PUSH_I', 1], ['CALL', 1, 1], ['POP'], ['PUSH_I', 0], ['RET']] }), callee]), { pc: 2, msg: /CALL expects \[r\] on the stack, found \[n\]/ });
      rejects(single([['CONST_S', 0], ['NEW_OBJ', 0], ['POP'], ['PUSH_I', 0], ['RET']]), { pc: 2, msg: /NEW_OBJ needs 2 values/ });
      rejects(single([['CONST_S', 0], ['PUSH_I', 1], ['NEW_OBJ', 0], ['POP'], ['PUSH_I', 0], ['RET']]), { pc: 4, msg: /NEW_OBJ expects \[nr\] on the stack, found \[rn\]/ });
    });

    it('rejects a kind mismatch through RET_LOCAL', () => {
      rejects(single([['CONST_S', 0], ['STORE', 0], ['RET_LOCAL', 0]], { locals: 'r' }), { pc: 4, msg: /RET_LOCAL returns a value of the wrong kind/ });
    });
    // J*_LOCAL_IMM) never check the kind of the locals they read: `effect` gives them pop '' / push
    // '' or 'n'. So INC_LOCAL on a reference local passes the verifier and the VM adds an integer to
    // a heap reference (f64[slot] += imm), forging a pointer into the arena.
    it('rejects fused local instructions applied to reference locals', () => {
      const setup = [['CONST_S', 0], ['STORE', 0]];
      rejects(single([...setup, ['INC_LOCAL', 0, 8, I32], ['PUSH_I', 0], ['RET']], { locals: 'r' }), { pc: 4, msg: /INC_LOCAL/ });
      rejects(single([...setup, ['PUSH_I', 1], ['STORE', 1], ['LOCAL_ADD_I', 0, 1, I32], ['RET']], { locals: 'rn' }), { pc: 8, msg: /LOCAL_ADD_I/ });
      rejects(single([...setup, ['JGE_LOCAL_IMM', 0, 0, 8], ['PUSH_I', 0], ['RET']], { locals: 'r' }), { pc: 4, msg: /JGE_LOCAL_IMM/ });
    });

    it('rejects inconsistent stack heights at a join', () => {
      // the JMP_F branch reaches pc 8 with [], the fall-through path with [nn]
      const code = [['PUSH_I', 1], ['JMP_F', 8], ['PUSH_I', 2], ['PUSH_I', 3], ['PUSH_I', 0], ['RET']];
      rejects(single(code), { pc: 8, msg: /inconsistent stack at a join: (\[\] vs \[nn\]|\[nn\] vs \[\])/ });
    });

    it('rejects inconsistent stack kinds at a join', () => {
      const code = [
        ['PUSH_I', 1], ['JMP_F', 'L:else'],
        ['PUSH_I', 7], ['JMP', 'L:join'],
        { label: 'else' }, ['CONST_S', 0],
        { label: 'join' }, ['POP'], ['PUSH_I', 0], ['RET'],
      ];
      rejects(single(code), { pc: 10, msg: /inconsistent stack at a join: (\[n\] vs \[r\]|\[r\] vs \[n\])/ });
    });

    it('rejects a loop that grows the stack on every iteration', () => {
      const code = [{ label: 'top' }, ['PUSH_I', 1], ['JMP', 'L:top']];
      rejects(single(code), { pc: 0, msg: /inconsistent stack at a join: \[\] vs \[n\]/ });
    });

    it('rejects control falling off the end of the function', () => {
      rejects(single([['PUSH_I', 1], ['POP']]), { pc: 2, msg: /control falls off the end of the function/ });
      // the conditional jump's fall-through is the end of the code
      rejects(single([['PUSH_I', 0], ['JMP_F', 0]]), { pc: 2, msg: /falls off the end/ });
      // only the branch target path runs off the end
      const code = [['PUSH_I', 1], ['JMP_T', 'L:tail'], ['PUSH_I', 0], ['RET'], { label: 'tail' }, ['PUSH_I', 0], ['POP']];
      rejects(single(code), { pc: 9, msg: /falls off the end/ });
    });

    it('rejects a CALL with the wrong argument count', () => {
      const g = fn('g', { arity: 2, locals: 'nn', code: [['LOAD', 0], ['RET']] });
      const f = fn('f', { code: [['PUSH_I', 1], ['CALL', 1, 1], ['RET']] });
      rejects(mod([f, g]), { pc: 2, msg: /CALL passes 1 arguments to 'g', which takes 2/ });
      const f3 = fn('f', { code: [['PUSH_I', 1], ['PUSH_I', 1], ['PUSH_I', 1], ['CALL', 1, 3], ['RET']] });
      rejects(mod([f3, g]), { pc: 6, msg: /CALL passes 3 arguments to 'g', which takes 2/ });
    });

    it('rejects a max-stack smaller than the stack the code reaches', () => {
      const code = [['PUSH_I', 1], ['PUSH_I', 2], ['PUSH_I', 3], ['ADD_I', I32], ['ADD_I', I32], ['RET']];
      rejects(single(code, { maxStack: 2 }), { pc: 0, msg: /stack reaches 3, above the declared max-stack 2/ });
      expect(() => verifyModule(single(code, { maxStack: 3 }))).to.not.throw();
    });

    it('rejects a function with more parameters than locals, or a local kind table of the wrong size', () => {
      rejects(single([['PUSH_I', 0], ['RET']], { arity: 2, locals: 'n' }), { pc: 0, msg: /arity 2 exceeds 1 locals/ });
      const f = fn('f', { locals: 'nn', code: [['PUSH_I', 0], ['RET']] });
      f.localKinds = Uint8Array.from([0]);
      rejects(mod([f]), { pc: 0, msg: /local kind table does not match the local count/ });
    });

    it('names the failing function when an earlier one is fine', () => {
      const ok = fn('ok', { code: [['PUSH_I', 0], ['RET']] });
      const bad = fn('broken', { code: [['PUSH_I', 0], ['PUSH_I', 0], ['EQ_S'], ['RET']] });
      rejects(mod([ok, bad]), { fn: 'broken', pc: 4, msg: /EQ_S expects \[rr\] on the stack, found \[nn\]/ });
    });
  });

  describe('object kinds (hostile bytecode the stack kinds alone let through)', () => {
    const mutex = () => ['BUILTIN', builtin('mutex_create'), 0];

    it('rejects SLICE_PUSH and SLICE_SET on an interned string', () => {
      rejects(single([['CONST_S', 0], ['PUSH_I', 65], ['SLICE_PUSH', 0], ['PUSH_I', 0], ['RET']]), { pc: 4, msg: /SLICE_PUSH expects a slice of numbers as the slice, found a string/ });
      rejects(single([['CONST_S', 0], ['PUSH_I', 0], ['PUSH_I', 65], ['SLICE_SET', 0], ['PUSH_I', 0], ['RET']]), { pc: 6, msg: /SLICE_SET expects a slice of numbers as the slice, found a string/ });
    });

    it('rejects a slice used with the wrong element kind', () => {
      rejects(single([['PUSH_I', 1], ['NEW_SLICE', 1, T.n], ['PUSH_I', 0], ['SLICE_GET', 1], ['POP'], ['PUSH_I', 0], ['RET']]), { pc: 7, msg: /SLICE_GET expects a slice of references as the slice, found a slice of numbers/ });
    });

    it('makes a byte slice of numbers only, and holds BYTES_IN to the slice it gives back', () => {
      // NEW_BYTES takes numbers: a string among them is a kind error
      rejects(single([['PUSH_I', 1], ['CONST_S', 0], ['NEW_BYTES', 2], ['POP'], ['PUSH_I', 0], ['RET']]), { pc: 4, msg: /NEW_BYTES expects \[nn\] on the stack, found \[nr\]/ });
      expect(() => verifyModule(single([['PUSH_I', 1], ['PUSH_I', 2], ['NEW_BYTES', 2], ['PUSH_I', 0], ['SLICE_GET', 0], ['RET']]))).to.not.throw();
      expect(() => verifyModule(single([['PUSH_I', 7], ['PUSH_I', 3], ['REPEAT_BYTES'], ['SLICE_LEN'], ['RET']]))).to.not.throw();
      // BYTES_IN pushes a slice and an address: BYTES_OUT takes them in that order
      expect(() => verifyModule(single([['PUSH_I', 3], ['NEW_BYTES', 1], ['BYTES_IN'], ['BYTES_OUT'], ['PUSH_I', 0], ['RET']]))).to.not.throw();
      rejects(single([['PUSH_I', 3], ['NEW_BYTES', 1], ['BYTES_IN'], ['POP'], ['POP'], ['PUSH_I', 0], ['PUSH_I', 0], ['BYTES_OUT'], ['PUSH_I', 0], ['RET']]), { pc: 11, msg: /BYTES_OUT expects \[rn\] on the stack, found \[nn\]/ });
      rejects(single([['CONST_S', 0], ['PUSH_I', 0], ['BYTES_OUT'], ['PUSH_I', 0], ['RET']]), { pc: 4, msg: /BYTES_OUT expects a slice of numbers as the buffer, found a string/ });
    });

    it('rejects MUTEX_LOCK on a string and mutex_unlock on a slice', () => {
      rejects(single([['CONST_S', 0], ['MUTEX_LOCK'], ['RET']]), { pc: 2, msg: /MUTEX_LOCK expects a mutex as the mutex, found a string/ });
      rejects(single([['PUSH_I', 1], ['NEW_SLICE', 1, T.n], ['BUILTIN', builtin('mutex_unlock'), 1], ['RET']]), { pc: 5, msg: /BUILTIN expects a mutex as argument 1 of 'mutex_unlock', found a slice of numbers/ });
      expect(() => verifyModule(single([mutex(), ['MUTEX_LOCK'], ['RET']]))).to.not.throw();
    });

    it('rejects AWAIT on a string, and printing a task handle as a string', () => {
      rejects(single([['CONST_S', 0], ['AWAIT', 0], ['RET']]), { pc: 2, msg: /AWAIT expects a task handle with a number result as the handle, found a string/ });
      const task = fn('task', { code: [['PUSH_I', 7], ['RET']] });
      const main = fn('f', { code: [['SPAWN_H', 1, 0], ['BUILTIN', builtin('println'), 1], ['PUSH_I', 0], ['RET']] });
      rejects(mod([main, task]), { pc: 3, msg: /BUILTIN expects a string as argument 1 of 'println', found a task handle/ });
      const ok = fn('f', { code: [['SPAWN_H', 1, 0], ['AWAIT', 0], ['RET']] });
      expect(() => verifyModule(mod([ok, task]))).to.not.throw();
    });

    it('rejects a field outside the shape of a known object, and a field read with the wrong kind', () => {
      // shape 0 is Pair { n, r }
      rejects(single([['PUSH_I', 1], ['CONST_S', 0], ['NEW_OBJ', 0], ['GET_FIELD', 2, 0], ['RET']]), { pc: 6, msg: /GET_FIELD names field 2 of an object of shape 'Pair', which has 2 fields/ });
      rejects(single([['PUSH_I', 1], ['CONST_S', 0], ['NEW_OBJ', 0], ['GET_FIELD', 0, 1], ['POP'], ['PUSH_I', 0], ['RET']]), { pc: 6, msg: /GET_FIELD treats field 0 of shape 'Pair' as a reference; it holds a number/ });
      rejects(single([['CONST_S', 0], ['GET_FIELD', 0, 0], ['RET']]), { pc: 2, msg: /GET_FIELD expects an object \(struct, enum value or tuple\) as the object, found a string/ });
    });

    it('rejects a channel or cell operation on another kind of object', () => {
      rejects(single([['CONST_S', 0], ['PUSH_I', 1], ['CHAN_SEND', 0], ['RET']]), { pc: 4, msg: /CHAN_SEND expects a channel of numbers as the channel, found a string/ });
      rejects(single([['PUSH_I', 1], ['CHAN_NEW', T.s], ['PUSH_I', 1], ['CHAN_SEND', 0], ['RET']]), { pc: 6, msg: /found a channel of strings/ });
      rejects(single([['CONST_S', 0], ['CELL_ADDR'], ['RET']]), { pc: 2, msg: /CELL_ADDR expects a cell as the cell, found a string/ });
    });

    it('rejects a join of two different kinds of object where the value is used', () => {
      rejects(single([
        ['PUSH_I', 0], ['JMP_F', 'L:b'],
        ['CONST_S', 0], ['JMP', 'L:join'],
        { label: 'b' },
        mutex(),
        { label: 'join' },
        ['BUILTIN', builtin('println'), 1], ['RET'],
      ]), { msg: /BUILTIN pops argument 1 of 'println', but paths to here bring different kinds of object/ });
    });

    it('takes a reference nothing says more about (a parameter of a module without declared types) only where any reference goes', () => {
      const g = fn('g', { arity: 1, locals: 'r', code: [['LOAD', 0], ['PUSH_I', 1], ['SLICE_PUSH', 0], ['PUSH_I', 0], ['RET']] });
      rejects(mod([fn('f', { code: [['PUSH_I', 0], ['RET']] }), g]), { fn: 'g', pc: 4, msg: /SLICE_PUSH expects a slice of numbers as the slice, found a reference/ });
      const h = fn('g', { arity: 1, locals: 'r', code: [['LOAD', 0], ['DUP'], ['POP'], ['STORE', 0], ['PUSH_I', 0], ['RET']] });
      expect(() => verifyModule(mod([fn('f', { code: [['PUSH_I', 0], ['RET']] }), h]))).to.not.throw();
    });

    it('rejects a read of a local no path has written, naming the local', () => {
      rejects(single([['LOAD', 0], ['BUILTIN', builtin('println'), 1], ['RET']], { locals: 'r' }), { pc: 0, msg: /LOAD reads local 0, which is not written on every path to here/ });
      rejects(single([['PUSH_I', 0], ['JMP_F', 'L:skip'], ['CONST_S', 0], ['STORE', 0], { label: 'skip' }, ['LOAD', 0], ['STR_LEN'], ['RET']], { locals: 'r' }), { pc: 8, msg: /LOAD reads local 0, which is not written on every path/ });
      rejects(single([['RET_LOCAL', 0]], { locals: 'n' }), { pc: 0, msg: /RET_LOCAL reads local 0, which is not written/ });
      expect(() => verifyModule(single([['PUSH_I', 3], ['STORE', 0], ['RET_LOCAL', 0]], { locals: 'n' }))).to.not.throw();
    });
  });

  describe('declared types (the TYPES section)', () => {
    const typed = (f, localTypes, retType) => Object.assign(f, { localTypes, retType });
    const main = (code, opts = {}) => fn('f', { code, ...opts });

    it('starts a parameter as its declared type: SLICE_PUSH on a string parameter is rejected', () => {
      const g = typed(fn('g', { arity: 1, locals: 'r', code: [['LOAD', 0], ['PUSH_I', 1], ['SLICE_PUSH', 0], ['PUSH_I', 0], ['RET']] }), ['s'], 'n');
      rejects(mod([main([['PUSH_I', 0], ['RET']]), g]), { fn: 'g', pc: 4, msg: /SLICE_PUSH expects a slice of numbers as the slice, found a string/ });
    });

    it('checks arguments, results and globals against their declarations', () => {
      const g = typed(fn('g', { arity: 1, locals: 'r', ret: 'r', code: [['LOAD', 0], ['RET']] }), ['s'], 's');
      rejects(mod([main([['PUSH_I', 1], ['NEW_SLICE', 1, T.n], ['CALL', 1, 1], ['POP'], ['PUSH_I', 0], ['RET']]), g]),
        { pc: 5, msg: /CALL expects a string as argument 1 of 'g', found a slice of numbers/ });
      // a call's result is what the callee declares
      const ok = main([['CONST_S', 0], ['CALL', 1, 1], ['STR_LEN'], ['RET']]);
      expect(() => verifyModule(mod([ok, g]))).to.not.throw();
      rejects(mod([main([['CONST_S', 0], ['CALL', 1, 1], ['MUTEX_LOCK'], ['RET']]), g]), { pc: 5, msg: /MUTEX_LOCK expects a mutex as the mutex, found a string/ });
      const bad = typed(fn('g', { arity: 0, ret: 'r', code: [['PUSH_I', 0], ['NEW_SLICE', 1, T.n], ['RET']] }), [], 's');
      rejects(mod([main([['PUSH_I', 0], ['RET']]), bad]), { fn: 'g', pc: 5, msg: /RET expects a string as the result, found a slice of numbers/ });
      const globals = [{ name: 'name', kind: 1, type: 's' }];
      rejects(mod([main([['PUSH_I', 0], ['NEW_SLICE', 1, T.n], ['GSTORE', 0], ['PUSH_I', 0], ['RET']])], { globals }), { pc: 5, msg: /GSTORE expects a string as the value of global 'name', found a slice of numbers/ });
      rejects(mod([main([['GLOAD', 0], ['AWAIT', 0], ['RET']])], { globals }), { pc: 2, msg: /AWAIT expects a task handle with a number result as the handle, found a string/ });
    });

    it('follows element types: a slice of strings gives strings, a handle its task\'s declared result', () => {
      const g = typed(fn('g', { arity: 1, locals: 'r', code: [['LOAD', 0], ['PUSH_I', 0], ['SLICE_GET', 1], ['MUTEX_LOCK'], ['RET']] }), ['[s'], 'n');
      rejects(mod([main([['PUSH_I', 0], ['RET']]), g]), { fn: 'g', pc: 6, msg: /MUTEX_LOCK expects a mutex as the mutex, found a string/ });
      const task = typed(fn('task', { ret: 'r', code: [['CONST_S', 0], ['RET']] }), [], 's');
      rejects(mod([main([['SPAWN_H', 1, 0], ['AWAIT', 1], ['SLICE_LEN'], ['RET']]), task]), { pc: 5, msg: /SLICE_LEN expects a slice as the slice, found a string/ });
    });

    it('checks field accesses on a parameter declared of one shape (a struct or tuple)', () => {
      // shape 0 is Pair { n, r }
      const g = typed(fn('g', { arity: 1, locals: 'r', code: [['LOAD', 0], ['GET_FIELD', 5, 1], ['POP'], ['PUSH_I', 0], ['RET']] }), ['o0'], 'n');
      rejects(mod([main([['PUSH_I', 0], ['RET']]), g]), { fn: 'g', pc: 2, msg: /GET_FIELD names field 5 of an object of shape 'Pair', which has 2 fields/ });
      const h = typed(fn('g', { arity: 1, locals: 'r', code: [['LOAD', 0], ['PUSH_I', 1], ['SET_FIELD', 1, 0], ['PUSH_I', 0], ['RET']] }), ['o0'], 'n');
      rejects(mod([main([['PUSH_I', 0], ['RET']]), h]), { fn: 'g', pc: 4, msg: /SET_FIELD treats field 1 of shape 'Pair' as a number; it holds a reference/ });
      const ok = typed(fn('g', { arity: 1, locals: 'r', ret: 'r', code: [['LOAD', 0], ['GET_FIELD', 1, 1], ['RET']] }), ['o0'], 's');
      expect(() => verifyModule(mod([main([['PUSH_I', 0], ['CONST_S', 0], ['NEW_OBJ', 0], ['CALL', 1, 1], ['STR_LEN'], ['RET']]), ok]))).to.not.throw();
    });

    it('rejects a declared type that is malformed, names a missing shape, or does not match its slot', () => {
      const f = (t) => typed(fn('f', { locals: 'r', code: [['PUSH_I', 0], ['RET']] }), [t], 'n');
      rejects(mod([f('q')]), { pc: 0, msg: /declares local 0 of type 'q', which is not a value type/ });
      rejects(mod([f('o9')]), { pc: 0, msg: /declares local 0 of type 'o9', which is not a value type/ });
      // a declared reference of unknown kind would let a file pass any object anywhere
      rejects(mod([f('r')]), { pc: 0, msg: /declares local 0 of type 'r', which is not a value type/ });
      rejects(mod([f('[r')]), { pc: 0, msg: /declares local 0 of type '\[r', which is not a value type/ });
      rejects(mod([f('n')]), { pc: 0, msg: /declares local 0 as a number, but its slot holds a reference/ });
      rejects(mod([main([['PUSH_I', 0], ['RET']])], { globals: [{ name: 'g', kind: 0, type: 's' }] }), { fn: '<globals>', pc: 0, msg: /global 'g' is declared of type 's', which is not a value type of its slot's kind/ });
      expect(() => verifyModule(mod([f('[[o0')]))).to.not.throw();
    });
  });

  describe('field types (the FIELDS section)', () => {
    const typed = (f, localTypes, retType) => Object.assign(f, { localTypes, retType });
    const main = (code, opts = {}) => fn('f', { code, ...opts });
    const ret0 = [['PUSH_I', 0], ['RET']];
    // 0 Pair { n, s }; 1 Opt.Some(s) and 2 Opt.None: the enum Opt is 'o1.2'; 3 Box([n]); 4 a closure
    const shapes = () => [
      { name: 'Pair', variant: 0, refs: Uint8Array.from([0, 1]), fields: ['n', 's'] },
      { name: 'Opt.Some', variant: 0, refs: Uint8Array.from([1]), fields: ['s'] },
      { name: 'Opt.None', variant: 1, refs: Uint8Array.from([]), fields: [] },
      { name: 'Box', variant: 0, refs: Uint8Array.from([1]), fields: ['[n'] },
    ];
    const withShapes = (functions, extra = {}) => mod(functions, { shapes: shapes(), ...extra });
    const pair = [['PUSH_I', 1], ['CONST_S', 0], ['NEW_OBJ', 0]];

    it('gives GET_FIELD the declared type of the field: a string field is not a mutex, a slice or a handle', () => {
      rejects(withShapes([main([...pair, ['GET_FIELD', 1, 1], ['MUTEX_LOCK'], ['RET']])]), { pc: 9, msg: /MUTEX_LOCK expects a mutex as the mutex, found a string/ });
      rejects(withShapes([main([...pair, ['GET_FIELD', 1, 1], ['PUSH_I', 1], ['SLICE_PUSH', 0], ...ret0])]), { pc: 11, msg: /SLICE_PUSH expects a slice of numbers as the slice, found a string/ });
      rejects(withShapes([main([...pair, ['GET_FIELD', 1, 1], ['AWAIT', 0], ['RET']])]), { pc: 9, msg: /AWAIT expects a task handle with a number result as the handle, found a string/ });
      expect(() => verifyModule(withShapes([main([...pair, ['GET_FIELD', 1, 1], ['STR_LEN'], ['RET']])]))).to.not.throw();
    });

    it('checks the values NEW_OBJ and SET_FIELD store against the field types', () => {
      const slice = [['PUSH_I', 1], ['NEW_SLICE', 1, T.n]];
      rejects(withShapes([main([['PUSH_I', 1], ...slice, ['NEW_OBJ', 0], ['POP'], ...ret0])]), { pc: 7, msg: /NEW_OBJ expects a string as field 1 of shape 'Pair', found a slice of numbers/ });
      rejects(withShapes([main([['CONST_S', 0], ['NEW_OBJ', 3], ['POP'], ...ret0])]), { pc: 2, msg: /NEW_OBJ expects a slice of numbers as field 0 of shape 'Box', found a string/ });
      rejects(withShapes([main([...pair, ...slice, ['SET_FIELD', 1, 1], ...ret0])]), { pc: 11, msg: /SET_FIELD stores a slice of numbers into field 1 of shape 'Pair', which holds a string/ });
      expect(() => verifyModule(withShapes([main([...pair, ['CONST_S', 0], ['SET_FIELD', 1, 1], ...slice, ['NEW_OBJ', 3], ['POP'], ...ret0])]))).to.not.throw();
    });

    it('reads an enum payload only where a JNE_VARIANT has shown which variant the value is', () => {
      const g = (code) => typed(fn('g', { arity: 1, locals: 'r', code }), ['o1.2'], 'n');
      // without a test the value may be Opt.None, which has no field 0
      rejects(withShapes([main(ret0), g([['LOAD', 0], ['GET_FIELD', 0, 1], ['STR_LEN'], ['RET']])]),
        { fn: 'g', pc: 2, msg: /GET_FIELD names field 0 of an object that may be of shape 'Opt.None', which has 0 fields \(test its variant first\)/ });
      // falling through JNE_VARIANT 0 (Some): field 0 is the string
      expect(() => verifyModule(withShapes([main(ret0), g([['JNE_VARIANT', 0, 0, 'L:none'], ['LOAD', 0], ['GET_FIELD', 0, 1], ['STR_LEN'], ['RET'], { label: 'none' }, ...ret0])]))).to.not.throw();
      // the jump edge of JNE_VARIANT 1 (None) is Some; its fall-through is None
      expect(() => verifyModule(withShapes([main(ret0), g([['JNE_VARIANT', 0, 1, 'L:some'], ...ret0, { label: 'some' }, ['LOAD', 0], ['GET_FIELD', 0, 1], ['STR_LEN'], ['RET']])]))).to.not.throw();
      rejects(withShapes([main(ret0), g([['JNE_VARIANT', 0, 1, 'L:some'], ['LOAD', 0], ['GET_FIELD', 0, 1], ['STR_LEN'], ['RET'], { label: 'some' }, ...ret0])]),
        { fn: 'g', pc: 6, msg: /GET_FIELD names field 0 of an object of shape 'Opt.None', which has 0 fields/ });
      // the payload is still a string, not a slice
      rejects(withShapes([main(ret0), g([['JNE_VARIANT', 0, 0, 'L:none'], ['LOAD', 0], ['GET_FIELD', 0, 1], ['SLICE_LEN'], ['RET'], { label: 'none' }, ...ret0])]),
        { fn: 'g', pc: 9, msg: /SLICE_LEN expects a slice as the slice, found a string/ });
    });

    it('rejects a field of an object whose shape is not known (a function value, or shapes joined from two paths)', () => {
      const g = typed(fn('g', { arity: 1, locals: 'r', code: [['LOAD', 0], ['GET_FIELD', 0, 0], ['RET']] }), ['o'], 'n');
      rejects(withShapes([main(ret0), g]), { fn: 'g', pc: 2, msg: /GET_FIELD uses field 0 of an object of unknown shape/ });
      // Pair or Box: field 1 exists only in Pair
      rejects(withShapes([main([
        ['PUSH_I', 0], ['JMP_F', 'L:box'], ...pair, ['JMP', 'L:join'],
        { label: 'box' }, ['PUSH_I', 0], ['NEW_SLICE', 1, T.n], ['NEW_OBJ', 3],
        { label: 'join' }, ['GET_FIELD', 1, 1], ['STR_LEN'], ['RET'],
      ])]), { msg: /GET_FIELD names field 1 of an object that may be of shape 'Box', which has 1 fields/ });
    });

    it('checks arguments of an enum type: a variant fits its enum, another shape does not', () => {
      const g = typed(fn('g', { arity: 1, locals: 'r', code: ret0 }), ['o1.2'], 'n');
      expect(() => verifyModule(withShapes([main([['CONST_S', 0], ['NEW_OBJ', 1], ['CALL', 1, 1], ['RET']]), g]))).to.not.throw();
      expect(() => verifyModule(withShapes([main([['NEW_OBJ', 2], ['CALL', 1, 1], ['RET']]), g]))).to.not.throw();
      rejects(withShapes([main([...pair, ['CALL', 1, 1], ['RET']]), g]), { pc: 6, msg: /CALL expects an object of shape 'Opt.Some' or 'Opt.None' as argument 1 of 'g', found an object of shape 'Pair'/ });
    });

    it('types a select\'s delivered value as its receive arm\'s element', () => {
      const g = (code) => typed(fn('g', { arity: 1, locals: 'r', code }), ['cs'], 'n');
      const m = (code) => withShapes([main(ret0), g(code)], { strings: ['hello', 'C'] });
      // SELECT pushes the arm index, the number, the reference, then the status; the reference
      // is the string received once the status says one was (a closed channel leaves a 0)
      const received = (use) => [['LOAD', 0], ['SELECT', 1], ['JMP_F', 'L:closed'], ...use, ['POP'], ['POP'], ['POP'], ...ret0, { label: 'closed' }, ['POP'], ['POP'], ['POP'], ...ret0];
      rejects(m(received([['MUTEX_LOCK']])), { fn: 'g', pc: 6, msg: /MUTEX_LOCK expects a mutex as the mutex, found a string/ });
      expect(() => verifyModule(m(received([['STR_LEN']])))).to.not.throw();
      rejects(m([['LOAD', 0], ['SELECT', 1], ['POP'], ['STR_LEN'], ['POP'], ['POP'], ['POP'], ...ret0]), { fn: 'g', pc: 5, msg: /STR_LEN expects a string as the string, found the value a select or a receive delivered/ });
    });

    // a select on a chan<string> and a chan<[]i32>: locals 0 and 1 the channels, 2 the status,
    // 3 the reference, 4 the number, 5 the arm index (as the compiler stores them)
    const select2 = (after) => {
      const g = typed(fn('g', { arity: 2, locals: 'rrnrnn', code: [
        ['LOAD', 0], ['LOAD', 1], ['SELECT', 1], ['STORE', 2], ['STORE', 3], ['STORE', 4], ['STORE', 5], ...after, ...ret0,
      ] }), ['cs', 'c[n', 'n', 's', 'n', 'n'], 'n');
      return withShapes([main(ret0), g], { strings: ['hello', 'CC'] });
    };
    const byArm = (first, second) => [
      ['LOAD', 5], ['PUSH_I', 0], ['EQ'], ['JMP_F', 'L:other'], ['LOAD', 2], ['JMP_F', 'L:end'], ['LOAD', 3], first, ['POP'], ['JMP', 'L:end'],
      { label: 'other' }, ['LOAD', 2], ['JMP_F', 'L:end'], ['LOAD', 3], second, ['POP'], { label: 'end' },
    ];

    it('holds the value of a select whose arms deliver different types until the code tests the arm', () => {
      rejects(select2([['LOAD', 3], ['STR_LEN'], ['POP']]), { fn: 'g', pc: 16, msg: /STR_LEN expects a string as the string, found the value a select or a receive delivered/ });
      expect(() => verifyModule(select2(byArm(['STR_LEN'], ['SLICE_LEN'])))).to.not.throw();
      rejects(select2(byArm(['SLICE_LEN'], ['STR_LEN'])), { fn: 'g', pc: 27, msg: /SLICE_LEN expects a slice as the slice, found a string/ });
    });

    it('narrows only on the select\'s own arm index, from its latest run', () => {
      // an index the code wrote itself says nothing about the arm
      rejects(select2([['PUSH_I', 0], ['STORE', 5], ...byArm(['STR_LEN'], ['SLICE_LEN'])]), { fn: 'g', pc: 31, msg: /STR_LEN expects a string as the string, found the value a select or a receive delivered/ });
      // nor one changed in place
      rejects(select2([['INC_LOCAL', 5, 1, I32], ...byArm(['STR_LEN'], ['SLICE_LEN'])]), { fn: 'g', pc: 31, msg: /STR_LEN expects a string/ });
      // a value kept from another select, tested with this one's index, stays untested
      const g = typed(fn('g', { arity: 2, locals: 'rrnrnnr', code: [
        ['LOAD', 0], ['LOAD', 1], ['SELECT', 1], ['STORE', 2], ['STORE', 3], ['STORE', 4], ['STORE', 5],
        ['LOAD', 3], ['STORE', 6],
        ['LOAD', 0], ['LOAD', 1], ['SELECT', 1], ['STORE', 2], ['STORE', 3], ['STORE', 4], ['STORE', 5],
        ['LOAD', 5], ['PUSH_I', 0], ['EQ'], ['JMP_F', 'L:end'], ['LOAD', 6], ['STR_LEN'], ['POP'], { label: 'end' }, ...ret0,
      ] }), ['cs', 'c[n', 'n', 's', 'n', 'n', 's'], 'n');
      rejects(withShapes([main(ret0), g], { strings: ['hello', 'CC'] }), { fn: 'g', pc: 41, msg: /STR_LEN expects a string as the string, found the value a select or a receive delivered/ });
      // and one kept from the same select's previous run in a loop is unusable
      const loop = typed(fn('g', { arity: 2, locals: 'rrnrnnrn', code: [
        ['CONST_S', 0], ['STORE', 6], ['PUSH_I', 0], ['STORE', 7],
        { label: 'top' }, ['LOAD', 0], ['LOAD', 1], ['SELECT', 1], ['STORE', 2], ['STORE', 3], ['STORE', 4], ['STORE', 5],
        ['LOAD', 7], ['JMP_T', 'L:second'], ['LOAD', 3], ['STORE', 6], ['PUSH_I', 1], ['STORE', 7], ['JMP', 'L:top'],
        { label: 'second' }, ['LOAD', 5], ['PUSH_I', 0], ['EQ'], ['JMP_F', 'L:end'], ['LOAD', 6], ['STR_LEN'], ['POP'], { label: 'end' }, ...ret0,
      ] }), ['cs', 'c[n', 'n', 's', 'n', 'n', 's', 'n'], 'n');
      rejects(withShapes([main(ret0), loop], { strings: ['hello', 'CC'] }), { fn: 'g', msg: /STR_LEN pops the string, but paths to here bring different kinds of object/ });
    });

    it('joins 2 to 64 operands with CONCAT_N, each a string or a number as its code says', () => {
      const m = (code, parts) => mod([fn('f', { code })], { strings: ['hello', parts] });
      const three = [['CONST_S', 0], ['PUSH_I', 7], ['CONST_S', 0]];
      expect(() => verifyModule(m([...three, ['CONCAT_N', 1], ['STR_LEN'], ['RET']], 'sis'))).to.not.throw();
      rejects(m([['CONST_S', 0], ['CONCAT_N', 1], ['STR_LEN'], ['RET']], 's'), { pc: 2, msg: /CONCAT_N joins 1 operands \(2 to 64\)/ });
      rejects(m([...three, ['CONCAT_N', 1], ['STR_LEN'], ['RET']], 's'.repeat(65)), { pc: 6, msg: /CONCAT_N joins 65 operands \(2 to 64\)/ });
      rejects(m([...three, ['CONCAT_N', 1], ['STR_LEN'], ['RET']], 'sxs'), { pc: 6, msg: /CONCAT_N operand code 'x' is not one of sifbc/ });
      // the codes say which slots hold strings: a number where a string is said, or the reverse
      rejects(m([...three, ['CONCAT_N', 1], ['STR_LEN'], ['RET']], 'sss'), { pc: 6, msg: /CONCAT_N expects \[rrr\] on the stack, found \[rnr\]/ });
      rejects(m([['CONST_S', 0], ['BUILTIN', builtin('mutex_create'), 0], ['CONST_S', 0], ['CONCAT_N', 1], ['STR_LEN'], ['RET']], 'sss'), { pc: 7, msg: /CONCAT_N expects a string as operand 2, found a mutex/ });
    });

    it('makes an empty slice or a channel of the element type its instruction names', () => {
      const g = (code, types = ['n']) => withShapes([main(ret0), typed(fn('g', { locals: 'r', code: [...code, ...ret0] }), types, 'n')]);
      // an empty slice of strings takes no mutex, and its elements are strings
      rejects(g([['PUSH_I', 0], ['NEW_SLICE', 0, T.s], ['STORE', 0], ['LOAD', 0], ['BUILTIN', builtin('mutex_create'), 0], ['SLICE_PUSH', 1]], ['[s']), { fn: 'g', pc: 12, msg: /SLICE_PUSH stores a mutex into a slice of strings/ });
      rejects(g([['NEW_SLICE', 0, T.s], ['PUSH_I', 0], ['SLICE_GET', 1], ['MUTEX_LOCK'], ['POP']], ['[s']), { fn: 'g', pc: 7, msg: /MUTEX_LOCK expects a mutex as the mutex, found a string/ });
      rejects(g([['CONST_S', 0], ['NEW_SLICE', 1, T.m], ['POP']], ['[m']), { fn: 'g', pc: 2, msg: /NEW_SLICE expects a mutex as element 1, found a string/ });
      const recv = (use) => [['PUSH_I', 1], ['CHAN_NEW', T.s], ['CHAN_RECV', 1], ['JMP_F', 'L:closed'], ...use, ['POP'], ...ret0, { label: 'closed' }, ['POP']];
      rejects(g(recv([['MUTEX_LOCK']]), ['cs']), { fn: 'g', pc: 8, msg: /MUTEX_LOCK expects a mutex as the mutex, found a string/ });
      expect(() => verifyModule(g(recv([['STR_LEN']]), ['cs']))).to.not.throw();
      // a receive from a closed channel leaves a 0: nothing may use it before the status says
      rejects(g([['PUSH_I', 1], ['CHAN_NEW', T.s], ['CHAN_RECV', 1], ['POP'], ['STR_LEN'], ['POP']], ['cs']), { fn: 'g', pc: 7, msg: /STR_LEN expects a string as the string, found the value a select or a receive delivered/ });
    });

    it('checks a closure call\'s arguments against its signature\'s types, which the callee must have exactly', () => {
      const clo = typed(fn('clo', { arity: 1, locals: 'r', code: ret0 }), ['s'], 'n');
      const shapes = [{ name: 'clo', variant: 0, refs: new Uint8Array(0), fields: [], fn: 1 }];
      const call = (sig, arg) => mod([main([['NEW_OBJ', 0], ...arg, ['CALL_CLOSURE', sig, 1], ['RET']]), clo], { shapes, strings: ['hello', 'r:n|s,n', 'r:n|n,n', 'r:n|s'] });
      rejects(call(1, [['PUSH_I', 1], ['NEW_SLICE', 1, T.n]]), { pc: 7, msg: /CALL_CLOSURE expects a string as argument 1 of the closure, found a slice of numbers/ });
      expect(() => verifyModule(call(1, [['CONST_S', 0]]))).to.not.throw();
      rejects(call(2, [['CONST_S', 0]]), { pc: 4, msg: /CALL_CLOSURE signature 'r:n\|n,n' does not give a value type of each argument's and the result's kind/ });
      rejects(call(3, [['CONST_S', 0]]), { pc: 4, msg: /CALL_CLOSURE signature 'r:n\|s' does not give/ });
      expect(closureShapeSig(call(1, []), 0)).to.equal('r:n|s,n');
    });

    it('rejects field types that are malformed, of the wrong kind or count, and a closure field unlike its parameter', () => {
      const bad = (fields) => withShapes([main(ret0)], { shapes: [{ name: 'P', variant: 0, refs: Uint8Array.from([0, 1]), fields }] });
      rejects(bad(['n', 'r']), { fn: '<shapes>', pc: 0, msg: /shape 0 \('P'\): field 1 is declared of type 'r', which is not a value type/ });
      rejects(bad(['n', 'n']), { fn: '<shapes>', pc: 0, msg: /field 1 is declared a number, but it holds a reference/ });
      rejects(bad(['n']), { fn: '<shapes>', pc: 0, msg: /declares types for 1 fields; it has 2/ });
      rejects(bad(['n', 'o5']), { fn: '<shapes>', pc: 0, msg: /field 1 is declared of type 'o5'/ });
      rejects(bad(['n', 'o1.0']), { fn: '<shapes>', pc: 0, msg: /field 1 is declared of type 'o1.0'/ });
      const clo = typed(fn('clo', { arity: 1, locals: 'r', code: ret0 }), ['s'], 'n');
      const closure = { name: 'clo', variant: 0, refs: Uint8Array.from([1]), fields: ['[n'], fn: 1 };
      rejects(mod([main(ret0), clo], { shapes: [closure] }), { fn: '<shapes>', pc: 0, msg: /closure shape 0 \('clo'\): field 0 is declared a slice of numbers, parameter 1 of 'clo' a string/ });
    });
  });

  describe('i128 and u128 instructions', () => {
    it('rejects a WCONST whose string is not a 128-bit decimal integer', () => {
      rejects(mod([fn('f', { ret: 'r', code: [['WCONST', 0], ['RET']] })]), { pc: 0, msg: /WCONST names string 0, which is not a decimal integer an i128 or u128 holds/ });
      rejects(mod([fn('f', { ret: 'r', code: [['WCONST', 0], ['RET']] })], { strings: ['340282366920938463463374607431768211456'] }), { pc: 0, msg: /not a decimal integer an i128 or u128 holds/ });
      expect(() => verifyModule(mod([fn('f', { code: [['WCONST', 0], ['WCONST', 0], ['WCMP', 0], ['RET']] })], { strings: ['-170141183460469231731687303715884105728'] }))).to.not.throw();
    });

    it('rejects a wide type or operation operand out of range', () => {
      rejects(mod([fn('f', { ret: 'r', code: [['WCONST', 0], ['WNEG', 2], ['RET']] })], { strings: ['1'] }), { pc: 2, msg: /WNEG operand 1 \(wty\) = 2 is out of range/ });
      rejects(mod([fn('f', { ret: 'r', code: [['WCONST', 0], ['WCONST', 0], ['WOP', 10, 0], ['RET']] })], { strings: ['1'] }), { pc: 4, msg: /WOP operand 1 \(wop\) = 10 is out of range/ });
    });

    it('rejects a wide operation on a value that is not an i128/u128', () => {
      rejects(mod([fn('f', { ret: 'r', code: [['CONST_S', 0], ['WNEG', 0], ['RET']] })]), { pc: 2, msg: /WNEG.*an i128 or u128/ });
      rejects(mod([fn('f', { ret: 'r', code: [['WCONST', 0], ['CONST_S', 1], ['WOP', 0, 0], ['RET']] })], { strings: ['1', 'x'] }), { pc: 4, msg: /an i128 or u128/ });
    });
  });

  describe('built-in calls and the entry function', () => {
    it('rejects a BUILTIN whose argument count is not the built-in\'s', () => {
      rejects(single([['CONST_S', 0], ['CONST_S', 0], ['CONST_S', 0], ['BUILTIN', builtin('println'), 3], ['RET']]), { pc: 6, msg: /BUILTIN passes 3 arguments to 'println', which takes 1/ });
      rejects(single([['BUILTIN', builtin('println'), 1000], ['RET']]), { pc: 0, msg: /BUILTIN passes 1000 arguments to 'println', which takes 1/ });
    });

    it('rejects a main kind the entry function does not return', () => {
      const objMain = fn('<init>', { ret: 'r', code: [['CONST_S', 0], ['RET']] });
      rejects(mod([objMain], { mainKind: 1 }), { fn: '<init>', pc: 0, msg: /the file says main returns an exit code \(an integer\), but the entry function returns a reference/ });
      rejects(mod([fn('<init>', { code: [['PUSH_I', 0], ['RET']] })], { mainKind: 2 }), { fn: '<init>', pc: 0, msg: /main returns a Result, but the entry function returns a number/ });
      expect(() => verifyModule(mod([objMain], { mainKind: 2 }))).to.not.throw();
    });

    it('rejects an entry function that takes arguments', () => {
      rejects(mod([fn('<init>', { arity: 1, locals: 'n', code: [['PUSH_I', 0], ['RET']] })]), { fn: '<init>', pc: 0, msg: /the entry function takes 1 arguments; it must take none/ });
    });
  });
});
