"""drumassist: a mixing assistant for drum multitracks."""

__version__ = "0.1.0"
