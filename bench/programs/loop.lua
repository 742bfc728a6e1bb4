-- Loop-heavy integer work: the same work as loop.asthra.
local function mod_sum(n)
  local sum = 0
  for i = 0, n - 1 do
    sum = sum + (i * i) % 7
  end
  return sum
end

local function sieve(n)
  -- index p + 1 holds p (Lua tables are 1-based)
  local composite = {}
  for i = 1, n do composite[i] = false end
  local count = 0
  local p = 2
  while p < n do
    if not composite[p + 1] then
      count = count + 1
      local m = p * p
      while m < n do
        composite[m + 1] = true
        m = m + p
      end
    end
    p = p + 1
  end
  return count
end

print("mod_sum " .. mod_sum(5000000))
print("primes " .. sieve(2000000))
