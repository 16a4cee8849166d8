"""The blind listening test: ratings CSV, MUSHRA post-screening, statistics, report.

Pure Python (numpy, scipy.stats, matplotlib with Agg): no Qt, so the window's results
view and ``drumassist listening-report`` share one analysis.
"""
