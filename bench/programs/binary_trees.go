// Binary trees (the Benchmarks Game's binary-trees, single goroutine): the same work as
// binary_trees.asthra.
package main

import "fmt"

const minDepth = 4
const maxDepth = 16

type Node struct {
	left, right *Node
}

func bottomUpTree(depth int) *Node {
	if depth > 0 {
		return &Node{bottomUpTree(depth - 1), bottomUpTree(depth - 1)}
	}
	return &Node{}
}

func (n *Node) itemCheck() int32 {
	if n.left == nil {
		return 1
	}
	return 1 + n.left.itemCheck() + n.right.itemCheck()
}

func main() {
	stretchDepth := maxDepth + 1
	fmt.Printf("stretch tree of depth %d\t check: %d\n", stretchDepth, bottomUpTree(stretchDepth).itemCheck())

	longLived := bottomUpTree(maxDepth)

	for depth := minDepth; depth <= maxDepth; depth += 2 {
		iterations := 1 << (maxDepth - depth + minDepth)
		var check int32
		for i := 0; i < iterations; i++ {
			check += bottomUpTree(depth).itemCheck()
		}
		fmt.Printf("%d\t trees of depth %d\t check: %d\n", iterations, depth, check)
	}
	fmt.Printf("long lived tree of depth %d\t check: %d\n", maxDepth, longLived.itemCheck())
}
