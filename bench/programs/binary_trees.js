'use strict';
// Binary trees (the Benchmarks Game's binary-trees): the same work as binary_trees.asthra.
const MIN_DEPTH = 4;
const MAX_DEPTH = 16;

class Node {
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }
}

function bottomUpTree(depth) {
  return depth > 0 ? new Node(bottomUpTree(depth - 1), bottomUpTree(depth - 1)) : new Node(null, null);
}

function itemCheck(node) {
  if (node.left === null) return 1;
  return 1 + itemCheck(node.left) + itemCheck(node.right);
}

const out = [];
const stretchDepth = MAX_DEPTH + 1;
out.push(`stretch tree of depth ${stretchDepth}\t check: ${itemCheck(bottomUpTree(stretchDepth))}`);

const longLived = bottomUpTree(MAX_DEPTH);

for (let depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
  const iterations = 1 << (MAX_DEPTH - depth + MIN_DEPTH);
  let check = 0;
  for (let i = 0; i < iterations; i++) check += itemCheck(bottomUpTree(depth));
  out.push(`${iterations}\t trees of depth ${depth}\t check: ${check}`);
}
out.push(`long lived tree of depth ${MAX_DEPTH}\t check: ${itemCheck(longLived)}`);
console.log(out.join('\n'));
