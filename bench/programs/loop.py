# Loop-heavy integer work: the same work as loop.asthra.
def mod_sum(n):
    total = 0
    for i in range(0, n):
        total += (i * i) % 7
    return total


def sieve(n):
    composite = []
    for _ in range(0, n):
        composite.append(False)
    count = 0
    p = 2
    while p < n:
        if not composite[p]:
            count += 1
            m = p * p
            while m < n:
                composite[m] = True
                m += p
        p += 1
    return count


print("mod_sum " + str(mod_sum(5000000)))
print("primes " + str(sieve(2000000)))
