"""The hits of a drum mic: onsets of its loudest strikes, from a power envelope.

Read by the polarity checks (:mod:`~drumassist.learn.bleed.polarity`), which compare
mics around a drum's hits.
"""

from __future__ import annotations

import numpy as np

MAX_HITS = 64
HIT_RANGE_DB = 25.0  # hits within this of the loudest
MIN_GAP_MS = 60.0
ENVELOPE_HOP_S = 0.005  # the hit envelope's frame (see hit_envelope)


def hit_onsets(audio: np.ndarray, rate: int, *, max_hits: int = MAX_HITS) -> np.ndarray:
    """Sample onsets of the loudest hits of a mic (up to ``max_hits``), in order.

    A hit is a peak of the 5 ms power envelope within :data:`HIT_RANGE_DB` of the
    loudest, at least :data:`MIN_GAP_MS` from a louder one; its onset is where the
    envelope first reaches a tenth of that peak in the 30 ms before it.
    """
    hop = max(1, round(ENVELOPE_HOP_S * rate))
    if len(audio) // hop < 3:
        return np.zeros(0, dtype=int)
    env = hit_envelope(audio, rate)
    if env.max() <= 0:
        return np.zeros(0, dtype=int)
    peaks = np.flatnonzero(
        (env[1:-1] >= env[:-2]) & (env[1:-1] > env[2:])
        & (env[1:-1] >= env.max() * 10 ** (-HIT_RANGE_DB / 10))
    ) + 1  # fmt: skip
    gap = max(1, round(MIN_GAP_MS / 5))
    chosen: list[int] = []
    for p in peaks[np.argsort(-env[peaks], kind="stable")]:
        if all(abs(p - q) >= gap for q in chosen):
            chosen.append(int(p))
        if len(chosen) == max_hits:
            break
    onsets = []
    for p in sorted(chosen):
        back = env[max(0, p - 6) : p + 1]
        first = int(np.argmax(back >= env[p] * 0.1))
        onsets.append((max(0, p - 6) + first) * hop)
    return np.array(onsets, dtype=int)


#: Envelope frames squared at a time: a full-length float64 copy of a 3-minute stem
#: (63 MB, on each core) cost more in page faults than the arithmetic.
_ENVELOPE_CHUNK = 4096


def hit_envelope(audio: np.ndarray, rate: int) -> np.ndarray:
    """The power envelope :func:`hit_onsets` reads: the float64 mean square of every
    whole 5 ms frame of ``audio`` (1-D). Squared chunk by chunk; each frame's
    arithmetic is that of one full-length pass, so the values are the same to the bit."""
    hop = max(1, round(ENVELOPE_HOP_S * rate))
    frames = len(audio) // hop
    env = np.empty(frames)
    for start in range(0, frames, _ENVELOPE_CHUNK):
        stop = min(start + _ENVELOPE_CHUNK, frames)
        rows = np.asarray(audio[start * hop : stop * hop], dtype=float).reshape(-1, hop)
        env[start:stop] = (rows**2).mean(axis=1)
    return env
