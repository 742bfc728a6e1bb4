// docs/bytecode.md is generated from the opcode table: it must not drift from the code.
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const path = require('path');

describe('docs', () => {
  it('docs/bytecode.md matches the opcode table (tools/gen-bytecode-doc.js --check)', () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'tools', 'gen-bytecode-doc.js'), '--check'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
  });
});
