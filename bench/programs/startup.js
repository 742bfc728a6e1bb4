'use strict';
// Startup baseline: print one line.
console.log('hello');
