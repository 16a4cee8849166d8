"""Reverse engineering, corpora, models, baselines and evaluation."""
