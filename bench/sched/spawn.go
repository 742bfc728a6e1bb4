// Scheduler benchmark "spawn": the same work as spawn.asthra. N goroutines started with a plain
// `go` statement; a WaitGroup stands in for Asthra's rule that a program ends only when every
// task has finished.
package main

import (
	"fmt"
	"sync"
)

const N = 1000000

var wg sync.WaitGroup

//go:noinline
func work(i int64) {
	_ = i + 1
	wg.Done()
}

func main() {
	wg.Add(N)
	for i := int64(0); i < N; i++ {
		go work(i)
	}
	fmt.Printf("spawned %d\n", N)
	wg.Wait()
}
