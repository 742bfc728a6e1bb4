-- Binary trees (the Benchmarks Game's binary-trees): the same work as binary_trees.asthra.
-- A node is a table {left, right}; a leaf is an empty table.
local MIN_DEPTH = 4
local MAX_DEPTH = 16

local function bottom_up_tree(depth)
  if depth > 0 then
    depth = depth - 1
    return { bottom_up_tree(depth), bottom_up_tree(depth) }
  end
  return {}
end

local function item_check(node)
  local left = node[1]
  if left == nil then return 1 end
  return 1 + item_check(left) + item_check(node[2])
end

local stretch_depth = MAX_DEPTH + 1
print(string.format("stretch tree of depth %d\t check: %d", stretch_depth, item_check(bottom_up_tree(stretch_depth))))

local long_lived = bottom_up_tree(MAX_DEPTH)

for depth = MIN_DEPTH, MAX_DEPTH, 2 do
  local iterations = 1 << (MAX_DEPTH - depth + MIN_DEPTH)
  local check = 0
  for _ = 1, iterations do
    check = check + item_check(bottom_up_tree(depth))
  end
  print(string.format("%d\t trees of depth %d\t check: %d", iterations, depth, check))
end
print(string.format("long lived tree of depth %d\t check: %d", MAX_DEPTH, item_check(long_lived)))
