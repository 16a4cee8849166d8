"""Evaluation: metrics, the protocol (train, leave one group out, held out), compare, report."""
