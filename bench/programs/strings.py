# String-heavy work: the same work as strings.asthra.
def key(i):
    return "k" + str(i % 97) + "-" + str(i % 13)


total = 0
equal = 0
less = 0
prev = ""
words = []
for i in range(0, 20000):
    s = key(i)
    total += len(s)
    if s == "k42-3":
        equal += 1
    if s < prev:
        less += 1
    if i < 1000:
        words.append(s)
    prev = s
print("keys: total length " + str(total) + ", equal " + str(equal) + ", descending " + str(less))

longest = 0
same = 0
last = ""
for r in range(0, 200):
    line = ""
    for j in range(0, 100):
        line = line + str((j * (r // 4)) % 10) + ","
    if line == last:
        same += 1
    if len(line) > longest:
        longest = len(line)
    last = line
print("lines: longest " + str(longest) + ", same as previous " + str(same) + ", last length " + str(len(last)))

eq = 0
lt = 0
for a in words:
    for b in words:
        if a == b:
            eq += 1
        if a < b:
            lt += 1
print("pairs: equal " + str(eq) + ", less " + str(lt))
