"""Analytics of a cycle for any team subtree, computed with aggregate SQL."""
