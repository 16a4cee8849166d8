"""The bleed-trim anchor: each close mic's input trim in dB, read from the bleed.

Why: every close mic is recorded with an unknown input trim, which the mix undoes.
Loudness or peak level confuse that trim with the drum's own level; the bleed does not.
``G[i, j]`` is the level (dB) of drum ``j`` in mic ``i`` relative to mic ``j``, measured
in the frames where drum ``j`` plays alone (the rule of :func:`drumassist.learn.bleed.measure.
_transfer`, uncapped). With trims ``t``, ``G[i, j] = t_i - t_j + geometry``, and bleed
geometry is roughly symmetric, so ``(G[a, b] - G[b, a]) / 2 ~ t_a - t_b`` for two close
mics. That estimate is corrected by a learned bias per (kind, kind) and weighted by its
learned reliability, and the trims are solved by weighted least squares on the largest
connected set of close mics. Ambient mics (overheads, room) and close mics outside that
set get one-sided estimates through a learned geometry table; a track with neither falls
back to its peak level. The transfers are measured between 200 and 800 Hz, below the
low-pass of the bleed path.
"""

from __future__ import annotations

import collections
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drumassist.core.conditioning import analysis_view
from drumassist.core.jsondoc import is_number
from drumassist.core.multitrack import Multitrack
from drumassist.core.parallel import map_on_cores
from drumassist.core.progress import Progress, check_cancelled
from drumassist.errors import ModelError
from drumassist.learn.bleed import measure as bleed
from drumassist.learn.bleed.kinds import same_drum

BAND_HZ = (200.0, 800.0)
#: Roles whose mics hear the whole kit: no trim pairs, only one-sided estimates.
AMBIENT = frozenset({"overhead", "room", "other"})
#: A transfer at or above this is not bleed (the "source" drum never played alone).
VALID_DB = -3.0
#: Pair corrections need this many training pairs, geometry entries this many.
MIN_PAIRS = 10
MIN_GEOM = 5
#: Weight of a pair of kinds with no learned correction.
DEFAULT_WEIGHT = 0.05
MIN_BAND_BINS = 3
FRAMES_PER_BLOCK = 256

Pair = tuple[str, str]


@dataclass(frozen=True)
class _BandSpectrum:
    """What the transfer needs of one track: per-frame energy and the band's bins."""

    energy: np.ndarray  # (frames,) over all bins: picks the frames, as bleed._transfer
    band: np.ndarray  # (frames, band bins)


#: The kit plays where the tracks' summed energy is within this of its loudest (see
#: :func:`kit_playing`): a song's stems rest elsewhere (silence, dither, a noise floor
#: 40 dB or more under the playing), and resting moves no measure.
KIT_PLAYING_RANGE_DB = 40.0
#: A mic's frame this far under its loudest frame hears nothing (digital silence).
MIC_SILENT_DB = 90.0


def _band_spectrum(audio: np.ndarray, frame: int, hop: int, bins: slice) -> _BandSpectrum:
    """The track's spectrogram (bleed's own), kept to the band and the frame energies.

    Computed in blocks of frames: the same frames and values as one call, but a block
    stays in the cache, which makes it about four times as fast on long tracks.
    """
    if len(audio) < frame:
        power = bleed.power_spectrogram(audio, frame, hop)
        return _BandSpectrum(power.sum(axis=1), np.ascontiguousarray(power[:, bins]))
    count = 1 + (len(audio) - frame) // hop
    energy = np.empty(count)
    band = np.empty((count, len(range(frame // 2 + 1)[bins])))
    for start in range(0, count, FRAMES_PER_BLOCK):
        stop = min(count, start + FRAMES_PER_BLOCK)
        power = bleed.power_spectrogram(audio[start * hop : (stop - 1) * hop + frame], frame, hop)
        energy[start:stop] = power.sum(axis=1)
        # Copied out, so each block's full spectrum (2 MB) is freed for the next one:
        # a view kept every block alive, 60 MB per 3-minute track faulted in afresh.
        band[start:stop] = power[:, bins]
    return _BandSpectrum(energy, band)


def kit_playing(energies: Sequence[np.ndarray]) -> np.ndarray | None:
    """Where the kit plays: the frames (or blocks) whose energy summed over the tracks
    lies within :data:`KIT_PLAYING_RANGE_DB` of the loudest; None if there is no sound
    (or the tracks' frames do not line up)."""
    sounding = [e for e in energies if e.size and e.max() > 0]
    if not sounding or len({e.size for e in sounding}) != 1:
        return None
    total = np.sum(sounding, axis=0)
    return total >= total.max() * 10 ** (-KIT_PLAYING_RANGE_DB / 10)


def _transfer_band_db(
    mic: _BandSpectrum, src: _BandSpectrum, playing: np.ndarray | None = None
) -> float:
    """Median over the band's bins of the per-bin bleed transfer (dB); NaN if undefined.

    Only frames where the kit plays count (``playing``): an unplayed tom mic's noise
    where the drums rest lies within 30 dB of its loudest bleed, and moved its transfers
    by 20 dB."""
    se, me = src.energy, mic.energy
    if se.max() <= 0:
        return math.nan
    active = se >= se.max() * 10 ** (bleed.LOUD_FRAME_DB / 10)
    if playing is not None and playing.size == active.size:
        active &= playing
    if active.sum() < bleed.MIN_FRAMES:
        return math.nan
    # A mic frame 90 dB under the mic's loudest hears nothing (a stem that stops while
    # the kit plays on, its zeros made 1e-9 by the conditioning): no bleed is read there
    # (it moved trim's balance by 62 dB).
    heard = me > me.max() * 10 ** (-MIC_SILENT_DB / 10)
    with np.errstate(divide="ignore", invalid="ignore"):
        dom = np.where(active & heard, se / me, np.nan)
    if np.isnan(dom).all():
        return math.nan
    frames = dom >= np.nanpercentile(dom, bleed.DOMINANT_PERCENTILE)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = mic.band[frames] / src.band[frames]
    ratio = np.where(np.isfinite(ratio), ratio, np.nan)
    with warnings.catch_warnings():
        # A bin with no finite ratio ("mean of empty slice") is left out below.
        warnings.simplefilter("ignore", RuntimeWarning)
        g = np.nanmedian(ratio, axis=0)
    g = g[np.isfinite(g) & (g > 0)]
    return float(np.median(10 * np.log10(g))) if g.size >= MIN_BAND_BINS else math.nan


def transfer_matrix(
    multitrack: Multitrack,
    band: tuple[float, float] = BAND_HZ,
    *,
    progress: Progress | None = None,
) -> np.ndarray:
    """Bleed transfers between every pair of tracks.

    Parameters
    ----------
    multitrack : Multitrack
        The stems.
    band : (float, float)
        Frequency band in Hz whose per-bin transfers are summarised by their median.

    Returns
    -------
    np.ndarray
        ``G[i, j]``: level in dB of drum ``j`` in track ``i`` relative to track ``j``;
        NaN on the diagonal and where it cannot be measured.
    """
    multitrack = analysis_view(multitrack)  # measured without DC and rumble
    rate = multitrack.sample_rate
    frame = int(2 ** round(math.log2(bleed.FRAME_S * rate)))
    hop = frame // 2
    freqs = np.fft.rfftfreq(frame, 1 / rate)
    inside = np.flatnonzero((freqs >= band[0]) & (freqs <= band[1]))
    bins = slice(int(inside[0]), int(inside[-1]) + 1) if inside.size else slice(0, 0)
    check_cancelled(progress)
    spectra = map_on_cores(
        lambda track: _band_spectrum(track.mono(), frame, hop, bins), multitrack.tracks, "bleed"
    )
    if progress is not None:
        progress.report(1.0, "bleed")
    playing = kit_playing([s.energy for s in spectra])
    n = len(spectra)
    g = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            if i != j:
                g[i, j] = _transfer_band_db(spectra[i], spectra[j], playing)
    return g


@dataclass(frozen=True)
class TrimTables:
    """Learned corrections of the trim solve.

    ``corr[(kind_a, kind_b)] = (bias_db, weight)``: the median error of the symmetric
    estimate of ``t_a - t_b`` and its weight ``1 / (robust_sd**2 + 1)``.
    ``geom[(kind_k, kind_j)] = db``: the median of ``G[k, j] - (t_k - t_j)``.
    """

    corr: Mapping[Pair, tuple[float, float]] = field(default_factory=dict)
    geom: Mapping[Pair, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (pair keys joined by ``|``)."""
        return {
            "corr": {
                f"{a}|{b}": [float(m), float(w)] for (a, b), (m, w) in sorted(self.corr.items())
            },
            "geom": {f"{a}|{b}": float(v) for (a, b), v in sorted(self.geom.items())},
        }

    @classmethod
    def from_json(cls, data: Any) -> TrimTables:
        """Tables from :meth:`to_json`'s dict; ModelError on anything malformed."""
        if not isinstance(data, Mapping):
            raise ModelError(f"trim tables: expected an object, got {type(data).__name__}")
        corr_in, geom_in = data.get("corr"), data.get("geom")
        if not isinstance(corr_in, Mapping) or not isinstance(geom_in, Mapping):
            raise ModelError("trim tables: expected objects 'corr' and 'geom'")
        corr = {}
        for key, value in corr_in.items():
            ok = isinstance(value, list) and len(value) == 2 and all(map(is_number, value))
            # A weight is a reliability in (0, 1]: zero or less would break the solve.
            ok = ok and 0.0 < value[1] <= 1.0
            if not ok:
                raise ModelError(f"trim tables: corr[{key!r}] is not [bias_db, weight]")
            corr[_pair(key)] = (float(value[0]), float(value[1]))
        geom = {}
        for key, value in geom_in.items():
            if not is_number(value):
                raise ModelError(f"trim tables: geom[{key!r}] is not a number")
            geom[_pair(key)] = float(value)
        return cls(corr, geom)


def _pair(key: Any) -> Pair:
    parts = key.split("|") if isinstance(key, str) else []
    if len(parts) != 2 or not all(parts):
        raise ModelError(f"trim tables: key {key!r} is not 'kind|kind'")
    return parts[0], parts[1]


def _pairs(g: np.ndarray, roles: Sequence[str]) -> list[tuple[int, int, float]]:
    """Close-mic pairs with both transfers measured: ``(a, b, ~t_a - t_b)``."""
    out = []
    for a in range(len(roles)):
        for b in range(a + 1, len(roles)):
            if roles[a] in AMBIENT or roles[b] in AMBIENT or same_drum(roles[a], roles[b]):
                continue
            gab, gba = g[a, b], g[b, a]
            if np.isfinite(gab) and np.isfinite(gba) and gab < VALID_DB and gba < VALID_DB:
                out.append((a, b, float(gab - gba) / 2))
    return out


def _largest_component(pairs: list[tuple[int, int, float]], n: int) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in pairs:
        parent[find(a)] = find(b)
    comp: dict[int, set[int]] = collections.defaultdict(set)
    for a, b, _ in pairs:
        comp[find(a)].update((a, b))
    members = list(comp.values())
    return sorted(members[int(np.argmax([len(m) for m in members]))])


def solve_trims(
    g: np.ndarray,
    roles: Sequence[str],
    kinds: Sequence[str],
    corr: Mapping[Pair, tuple[float, float]],
) -> np.ndarray:
    """Trims (dB, mean zero) of the largest connected set of close mics; NaN elsewhere."""
    n = len(roles)
    t = np.full(n, np.nan)
    pairs = _pairs(g, roles)
    if not pairs:
        return t
    nodes = _largest_component(pairs, n)
    idx = {k: i for i, k in enumerate(nodes)}
    rows, rhs, weights = [], [], []
    for a, b, d in pairs:
        if a in idx and b in idx:
            bias, weight = corr.get((kinds[a], kinds[b]), (0.0, DEFAULT_WEIGHT))
            row = np.zeros(len(nodes))
            row[idx[a]], row[idx[b]] = 1.0, -1.0
            rows.append(row)
            rhs.append(d - bias)
            weights.append(weight)
    rows.append(np.ones(len(nodes)))  # the trims are known up to a constant: fix their mean
    rhs.append(0.0)
    weights.append(1.0)
    sw = np.sqrt(np.asarray(weights))
    solution = np.linalg.lstsq(np.asarray(rows) * sw[:, None], np.asarray(rhs) * sw, rcond=None)
    t[nodes] = solution[0]
    return t


def trim_anchor(
    g: np.ndarray,
    roles: Sequence[str],
    kinds: Sequence[str],
    peak_db: np.ndarray,
    tables: TrimTables,
) -> np.ndarray:
    """Each track's estimated trim in dB (up to a session constant); ``-inf`` if silent.

    Parameters
    ----------
    g : np.ndarray
        The transfer matrix of :func:`transfer_matrix`.
    roles, kinds : sequence of str
        Role values and :func:`~drumassist.learn.bleed.kinds.kind_of` kinds, per track.
    peak_db : np.ndarray
        Sample peak per track in dBFS (``-inf`` if silent): the fallback.
    tables : TrimTables
        Learned corrections (:func:`learn_tables`).
    """
    peak = np.asarray(peak_db, dtype=float)
    t = solve_trims(g, roles, kinds, tables.corr)
    out = t.copy()
    known = np.flatnonzero(np.isfinite(t)).tolist()
    for k in range(len(roles)):
        if np.isfinite(t[k]):
            continue
        est = [
            t[j] + g[k, j] - tables.geom.get((kinds[k], kinds[j]), 0.0)
            for j in known
            if j != k and np.isfinite(g[k, j]) and not same_drum(roles[k], roles[j])
        ]
        if est:
            out[k] = float(np.median(est))
    both = np.isfinite(out) & np.isfinite(peak)
    if not both.any():
        return peak.copy()
    out = np.where(np.isfinite(out), out, peak + np.median(out[both] - peak[both]))
    return np.where(np.isfinite(peak), out, -math.inf)


def _ideal(roles: Sequence[str], target_db: np.ndarray) -> np.ndarray:
    """A close mic's ideal anchor: its trim undone, i.e. minus its target gain."""
    close = np.array([r not in AMBIENT for r in roles], dtype=bool)
    return np.where(close, -np.asarray(target_db, dtype=float), np.nan)


TableItem = tuple[np.ndarray, Sequence[str], Sequence[str], np.ndarray]


def learn_tables(items: Iterable[TableItem]) -> TrimTables:
    """Learn the pair corrections and the geometry from a training corpus.

    Parameters
    ----------
    items : iterable of (G, roles, kinds, target_db)
        Per session: transfer matrix, role values, kinds and target gains in dB (NaN
        where undefined).
    """
    items = list(items)
    errors: dict[Pair, list[float]] = collections.defaultdict(list)
    for g, roles, kinds, target in items:
        ideal = _ideal(roles, target)
        for a, b, d in _pairs(g, roles):
            if np.isfinite(ideal[a]) and np.isfinite(ideal[b]):
                e = d - (ideal[a] - ideal[b])
                errors[(kinds[a], kinds[b])].append(e)
                errors[(kinds[b], kinds[a])].append(-e)
    corr = {}
    for key, values in errors.items():
        if len(values) >= MIN_PAIRS:
            v = np.asarray(values)
            med = float(np.median(v))
            mad = 1.4826 * float(np.median(np.abs(v - med)))
            corr[key] = (med, 1.0 / (mad**2 + 1.0))
    return TrimTables(corr, _learn_geom(items, corr))


def _learn_geom(
    items: list[TableItem], corr: Mapping[Pair, tuple[float, float]]
) -> dict[Pair, float]:
    found: dict[Pair, list[float]] = collections.defaultdict(list)
    for g, roles, kinds, target in items:
        ideal = _ideal(roles, target)
        t = solve_trims(g, roles, kinds, corr)
        for k in range(len(roles)):
            for j in range(len(roles)):
                usable = (
                    k != j
                    and np.isfinite(t[j])
                    and np.isfinite(g[k, j])
                    and roles[j] not in AMBIENT
                    and not same_drum(roles[k], roles[j])
                    and np.isfinite(ideal[k])
                    and np.isfinite(ideal[j])
                )
                if usable:
                    found[(kinds[k], kinds[j])].append(float(g[k, j] - (ideal[k] - ideal[j])))
    return {key: float(np.median(v)) for key, v in found.items() if len(v) >= MIN_GEOM}
