"""Suggestions: suggest() with any method, the baselines, a reference mix as a suggestion."""
