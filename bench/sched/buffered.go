// Scheduler benchmark "buffered": the same work as buffered.asthra. N integers through one
// channel of capacity CAP from one producer goroutine to main.
package main

import "fmt"

const N = 10000000
const CAP = 128

func main() {
	ch := make(chan int64, CAP)
	go func() {
		for i := int64(0); i < N; i++ {
			ch <- i
		}
		close(ch)
	}()
	var sum int64
	for v := range ch {
		sum += v
	}
	fmt.Printf("values %d sum %d\n", N, sum)
}
