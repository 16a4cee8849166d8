"""Gain models: the protocol (base), the registry of kinds, one module per kind, persistence."""
