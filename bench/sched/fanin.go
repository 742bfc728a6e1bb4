// Scheduler benchmark "fanin": the same work as fanin.asthra. 4 producer goroutines, PER values
// each on channels of their own (capacity CAP), received by main through one select.
package main

import "fmt"

const PER = 250000
const CAP = 16

func producer(ch chan int64, first int64) {
	for i := int64(0); i < PER; i++ {
		ch <- first + i
	}
}

func main() {
	a := make(chan int64, CAP)
	b := make(chan int64, CAP)
	c := make(chan int64, CAP)
	d := make(chan int64, CAP)
	go producer(a, 0)
	go producer(b, PER)
	go producer(c, 2*PER)
	go producer(d, 3*PER)
	var sum int64
	for k := 0; k < 4*PER; k++ {
		select {
		case v := <-a:
			sum += v
		case v := <-b:
			sum += v
		case v := <-c:
			sum += v
		case v := <-d:
			sum += v
		}
	}
	fmt.Printf("values %d sum %d\n", 4*PER, sum)
}
