"""Playback with sounddevice: may import sounddevice, never Qt."""
