-- Startup baseline: print one line.
print("hello")
