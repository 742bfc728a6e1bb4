'use strict';
// FFI benchmark "abs": the same work as abs.asthra, in plain JS through koffi.
const path = require('path');
const koffi = require(path.join(__dirname, '..', '..', 'node_modules', 'koffi'));
const abs = koffi.load(null).func('abs', 'int32_t', ['int32_t']);
const N = 1000000;
let sum = 0;
for (let i = 0; i < N; i++) sum += abs(-i);
console.log('sum ' + sum);
