// Scheduler benchmark "chan_waiters": the same work as chan_waiters.asthra. TASKS goroutines
// each parked on a receive from a channel of its own; main sends each its index, and every
// goroutine answers on one shared channel.
package main

import (
	"fmt"
	"runtime"
)

const TASKS = 100000

func main() {
	done := make(chan int64, TASKS)
	chans := make([]chan int64, TASKS)
	for i := range chans {
		ch := make(chan int64)
		chans[i] = ch
		go func() {
			if v, ok := <-ch; ok {
				done <- v
			}
		}()
	}
	runtime.Gosched()
	for i, ch := range chans {
		ch <- int64(i)
	}
	var sum int64
	for k := 0; k < TASKS; k++ {
		sum += <-done
	}
	fmt.Printf("waiters %d sum %d\n", TASKS, sum)
}
