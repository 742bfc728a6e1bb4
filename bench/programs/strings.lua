-- String-heavy work: the same work as strings.asthra.
local function key(i)
  return "k" .. (i % 97) .. "-" .. (i % 13)
end

local total, equal, less = 0, 0, 0
local prev = ""
local words = {}
for i = 0, 19999 do
  local s = key(i)
  total = total + #s
  if s == "k42-3" then equal = equal + 1 end
  if s < prev then less = less + 1 end
  if i < 1000 then words[#words + 1] = s end
  prev = s
end
print("keys: total length " .. total .. ", equal " .. equal .. ", descending " .. less)

local longest, same = 0, 0
local last = ""
for r = 0, 199 do
  local line = ""
  for j = 0, 99 do
    line = line .. ((j * (r // 4)) % 10) .. ","
  end
  if line == last then same = same + 1 end
  if #line > longest then longest = #line end
  last = line
end
print("lines: longest " .. longest .. ", same as previous " .. same .. ", last length " .. #last)

local eq, lt = 0, 0
for _, a in ipairs(words) do
  for _, b in ipairs(words) do
    if a == b then eq = eq + 1 end
    if a < b then lt = lt + 1 end
  end
end
print("pairs: equal " .. eq .. ", less " .. lt)
