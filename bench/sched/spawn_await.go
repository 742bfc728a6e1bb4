// Scheduler benchmark "spawn_await": the same work as spawn_await.asthra. Each batch starts
// BATCH goroutines that write their result into a slot, waits for the batch, and sums.
package main

import (
	"fmt"
	"sync"
)

const N = 1000000
const BATCH = 1000

//go:noinline
func work(i int64) int64 {
	return i
}

func main() {
	var total int64
	results := make([]int64, BATCH)
	var wg sync.WaitGroup
	for b := int64(0); b < N/BATCH; b++ {
		wg.Add(BATCH)
		for i := int64(0); i < BATCH; i++ {
			go func(i int64) {
				results[i] = work(b*BATCH + i)
				wg.Done()
			}(i)
		}
		wg.Wait()
		for _, r := range results {
			total += r
		}
	}
	fmt.Printf("tasks %d sum %d\n", N, total)
}
