# FFI benchmark "abs": the same work as abs.asthra, in CPython through ctypes.
import ctypes

N = 1000000
libc = ctypes.CDLL(None)
c_abs = libc.abs
c_abs.restype = ctypes.c_int
c_abs.argtypes = [ctypes.c_int]
s = 0
for i in range(N):
    s += c_abs(-i)
print("sum", s)
