// The built-in table (src/bytecode/builtins.ts) against the tables and types it must agree with.
'use strict';
const { expect } = require('chai');
const { OPS } = require('../dist/bytecode/opcodes');
const { BUILTINS, BUILTIN_FNS, kindOf } = require('../dist/bytecode/builtins');
const { builtinType, isRef } = require('../dist/compiler/types');

describe('built-in table', () => {
  it('numbers the BUILTIN rows in table order, in one table (opcodes.ts does not hold another)', () => {
    const rows = BUILTIN_FNS.filter((f) => f.lower.kind === 'builtin');
    expect(rows.map((f) => f.lower.b)).to.deep.equal(rows.map((_, i) => i));
    expect(BUILTINS.map((b) => b.fn)).to.deep.equal(rows);
    expect(require('../dist/bytecode/opcodes').BUILTINS).to.equal(undefined);
  });

  it('gives each spelling the stack kind of the type the checker makes of it', () => {
    for (const f of BUILTIN_FNS) {
      for (const s of [...f.params, f.result]) {
        const ty = builtinType(s);
        if (ty) expect(kindOf(s), s).to.equal(isRef(ty) ? 'r' : 'n');
      }
    }
  });

  it('lowers to an instruction that pops the arguments and pushes the result (or nothing, for void)', () => {
    for (const f of BUILTIN_FNS.filter((g) => g.lower.kind === 'op')) {
      const op = OPS[f.lower.op];
      expect(op.pop, f.name).to.equal(f.params.map(kindOf).join(''));
      expect(op.push, f.name).to.equal(f.result === 'void' ? '' : kindOf(f.result));
    }
  });
});
