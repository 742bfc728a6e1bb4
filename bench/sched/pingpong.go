// Scheduler benchmark "pingpong": the same work as pingpong.asthra. ROUNDS round trips between
// main and one goroutine over two unbuffered channels.
package main

import "fmt"

const ROUNDS = 1000000

func main() {
	ping := make(chan int64)
	pong := make(chan int64)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	var sum int64
	for i := int64(0); i < ROUNDS; i++ {
		ping <- i
		sum += <-pong
	}
	close(ping)
	fmt.Printf("round trips %d sum %d\n", ROUNDS, sum)
}
