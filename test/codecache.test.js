'use strict';
// V8's code cache for the package's modules (src/runtime/codecache.ts): made in write mode, used
// by later runs, and never able to change what a program does (a corrupt entry is ignored).
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const asthra = path.join(root, 'bin', 'asthra');
const program = path.join(root, 'spec-tests', 'channels', 'recv_match.asthra');

function run(env, ...args) {
  return spawnSync(process.execPath, [asthra, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('code cache (start-up)', function () {
  this.timeout(60000);
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-cc-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('npm run build filled dist/code-cache with the runtime\'s modules', () => {
    const names = fs.readdirSync(path.join(root, 'dist', 'code-cache'));
    for (const m of ['dist_vm_interpreter.js-', 'dist_scheduler_scheduler.js-', 'dist_runtime_worker.js-', 'dist_compiler_check.js-']) {
      expect(names.some((n) => n.startsWith(m)), m).to.equal(true);
    }
  });

  it('write mode saves an entry per module, named by the text it was made from; a later run uses them', () => {
    const plain = run({ ASTHRA_CODE_CACHE: 'off' }, 'run', program);
    expect(plain.status).to.equal(0);
    const w = run({ ASTHRA_CODE_CACHE: 'write', ASTHRA_CODE_CACHE_DIR: dir }, 'run', program);
    expect(w.status).to.equal(0);
    const names = fs.readdirSync(dir);
    const interp = fs.readFileSync(path.join(root, 'dist', 'vm', 'interpreter.js'), 'utf8');
    const hash = require('crypto').createHash('sha1').update(interp).digest('hex').slice(0, 16);
    expect(names).to.include(`dist_vm_interpreter.js-${hash}.bin`);
    const r = run({ ASTHRA_CODE_CACHE_DIR: dir }, 'run', '--workers', '2', program);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal(plain.stdout);
  });

  it('a corrupt entry is ignored: the module compiles as usual and the program runs the same', () => {
    for (const n of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, n), Buffer.from('not V8 code at all'));
    const r = run({ ASTHRA_CODE_CACHE_DIR: dir }, 'run', program);
    expect(r.status).to.equal(0);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.match(/total 5050\n$/);
  });
});
