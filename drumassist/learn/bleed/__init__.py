"""Bleed between mics: measured transfer, bleed-aware gains, and the trim anchor read from it."""
