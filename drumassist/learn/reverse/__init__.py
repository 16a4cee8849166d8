"""Least-squares reverse engineering: the gain and pan of every stem in a reference mix."""
