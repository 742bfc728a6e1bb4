// The standard modules: the built-in rows (bytecode/builtins.ts) and the functions written in
// Asthra (compiler/stdlib.ts) must not overlap, and every Asthra one must compile.
'use strict';
const { expect } = require('chai');
const { BUILTIN_FNS, STD_MODULES, STD_CONSTANTS } = require('../dist/bytecode/builtins');
const { STD_SOURCES } = require('../dist/compiler/stdlib');
const { STD_SOURCE_FNS } = require('../dist/compiler/modules');
const { compile } = require('../dist/compiler/compile');
const { parse } = require('../dist/compiler/parser');

describe('standard modules', () => {
  it('name each function once: a built-in row or an Asthra function, never both', () => {
    for (const [mod, names] of Object.entries(STD_SOURCE_FNS)) {
      expect(STD_MODULES, mod).to.include(mod);
      for (const n of names) {
        expect(BUILTIN_FNS.some((f) => f.ns === mod && f.name === n), `${mod}.${n}`).to.equal(false);
        expect(STD_CONSTANTS, `${mod}.${n}`).to.not.have.property(`${mod}.${n}`);
      }
    }
  });

  it('have Asthra sources whose pub functions are the ones the module pass knows', () => {
    for (const [mod, src] of Object.entries(STD_SOURCES)) {
      const program = parse(src, `std/${mod}.asthra`);
      expect(program.packageName).to.equal(mod);
      const pubs = program.items.filter((it) => it.kind === 'Fn' && it.pub).map((it) => it.name);
      expect(pubs, mod).to.deep.equal([...STD_SOURCE_FNS[mod]]);
      expect(pubs.length, mod).to.be.greaterThan(0);
    }
  });

  it('compile each Asthra function into a program that calls it', () => {
    for (const [mod, names] of Object.entries(STD_SOURCE_FNS)) {
      for (const n of names) {
        // a call with wrong arguments still proves the function resolved: the error names it
        const src = `pub fn main() -> void { ${mod}.${n}(); }\n`;
        let message = '';
        try {
          compile(src, 'probe.asthra');
        } catch (e) {
          message = e.message;
        }
        expect(message, `${mod}.${n}`).to.match(new RegExp(`wrong number of arguments to 'std\\.${mod}\\.${n}'`));
      }
    }
  });
});
