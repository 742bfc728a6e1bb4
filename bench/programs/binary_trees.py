# Binary trees (the Benchmarks Game's binary-trees): the same work as binary_trees.asthra.
# A node is a tuple (left, right); a leaf is (None, None).
MIN_DEPTH = 4
MAX_DEPTH = 16


def bottom_up_tree(depth):
    if depth > 0:
        depth -= 1
        return (bottom_up_tree(depth), bottom_up_tree(depth))
    return (None, None)


def item_check(node):
    left, right = node
    if left is None:
        return 1
    return 1 + item_check(left) + item_check(right)


def main():
    stretch_depth = MAX_DEPTH + 1
    print("stretch tree of depth %d\t check: %d" % (stretch_depth, item_check(bottom_up_tree(stretch_depth))))

    long_lived = bottom_up_tree(MAX_DEPTH)

    for depth in range(MIN_DEPTH, MAX_DEPTH + 1, 2):
        iterations = 1 << (MAX_DEPTH - depth + MIN_DEPTH)
        check = 0
        for _ in range(iterations):
            check += item_check(bottom_up_tree(depth))
        print("%d\t trees of depth %d\t check: %d" % (iterations, depth, check))
    print("long lived tree of depth %d\t check: %d" % (MAX_DEPTH, item_check(long_lived)))


main()
