#!/usr/bin/env node
'use strict';
// Build the C library that the C interop examples and tests call (examples/c/*.c) with the
// machine's C compiler: examples/c/NAME.c -> build/clib/libNAME.so. Rebuilds only what is older
// than its source. `npm test` runs this first; run it by hand before the FFI examples:
//   node tools/build-clib.js && asthra run --lib-path build/clib examples/ffi_blocking.asthra
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'examples', 'c');
const OUT = path.join(ROOT, 'build', 'clib');

function main() {
  const cc = process.env.CC || 'cc';
  fs.mkdirSync(OUT, { recursive: true });
  for (const file of fs.readdirSync(SRC).filter((f) => f.endsWith('.c'))) {
    const src = path.join(SRC, file);
    const lib = path.join(OUT, `lib${file.slice(0, -2)}.so`);
    if (fs.existsSync(lib) && fs.statSync(lib).mtimeMs >= fs.statSync(src).mtimeMs) continue;
    const args = ['-std=c11', '-O2', '-Wall', '-Werror', '-shared', '-fPIC', '-pthread', '-o', lib, src];
    const r = spawnSync(cc, args, { stdio: 'inherit' });
    if (r.error) {
      process.stderr.write(`build-clib: cannot run the C compiler '${cc}': ${r.error.message} (install one, e.g. apt-get install gcc, or set CC)\n`);
      process.exit(1);
    }
    if (r.status !== 0) {
      process.stderr.write(`build-clib: ${cc} failed on ${path.relative(ROOT, src)}\n`);
      process.exit(1);
    }
  }
}

main();
