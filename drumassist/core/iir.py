"""IIR filtering for the analyses without importing ``scipy.signal``.

Why: importing ``scipy.signal`` takes about half a second (it pulls in scipy.special,
scipy.linalg, scipy.fft, ...), twice the time a suggestion takes to read 8 stems of
3 minutes, and a suggestion needs nothing of it but the second-order-section filter.
So this module

- runs :func:`sosfilt` on scipy's own compiled kernel, ``scipy/signal/_sosfilt``,
  loaded from its file without running ``scipy.signal``'s package initialiser, and
  prepares its inputs as ``scipy.signal.sosfilt`` does: the output is bit for bit
  scipy's (tested against it). Where the kernel cannot be loaded (another scipy
  layout), it falls back to ``scipy.signal.sosfilt`` itself;
- ports ``sosfilt_zi`` and ``sosfiltfilt`` (odd padding) from scipy 1.17, the same
  arithmetic in the same order;
- designs Butterworth low-pass and band-pass filters (:func:`butter_sos`) by the
  bilinear transform, as ``scipy.signal.butter`` does; the sections are grouped
  differently, so responses agree with scipy's within rounding (under 1e-9, tested
  from 22 to 96 kHz), not bit for bit;
- evaluates a filter's frequency response (:func:`sosfreqz`).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_Kernel = Callable[[np.ndarray, np.ndarray, np.ndarray], None]


_KERNEL_LOCK = threading.Lock()


def _kernel() -> _Kernel | None:
    """scipy's compiled ``_sosfilt(sos, x, zi)`` (in place), or None if not found.

    Loaded once, under a lock: the analyses filter on several threads, and a second
    load of the same extension module in one process fails.
    """
    with _KERNEL_LOCK:
        return _load_kernel()


@functools.cache
def _load_kernel() -> _Kernel | None:
    loaded = sys.modules.get("scipy.signal._sosfilt")  # scipy.signal imported already
    if loaded is not None and callable(getattr(loaded, "_sosfilt", None)):
        return loaded._sosfilt
    spec = importlib.util.find_spec("scipy")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "signal"
    for path in sorted(folder.glob("_sosfilt.*")):
        if path.suffix not in (".so", ".pyd"):
            continue
        kernel_spec = importlib.util.spec_from_file_location("scipy.signal._sosfilt", path)
        if kernel_spec is None or kernel_spec.loader is None:
            return None
        try:
            module = importlib.util.module_from_spec(kernel_spec)
            kernel_spec.loader.exec_module(module)
        except ImportError:
            return None
        kernel = getattr(module, "_sosfilt", None)
        return kernel if callable(kernel) else None
    return None


def sosfilt(sos: np.ndarray, x: np.ndarray, axis: int = -1, zi: np.ndarray | None = None) -> Any:
    """``scipy.signal.sosfilt`` for real floating-point input: ``y``, or ``(y, zf)``."""
    kernel = _kernel()
    if kernel is None:  # another scipy layout (tested)
        from scipy.signal import sosfilt as scipy_sosfilt

        return scipy_sosfilt(sos, x, axis=axis, zi=zi)
    sos = np.atleast_2d(np.asarray(sos))
    x = np.asarray(x)
    n_sections = sos.shape[0]
    zi_shape_full = list(x.shape)
    zi_shape_full[axis] = 2
    zi_shape_full = [n_sections, *zi_shape_full]
    inputs = [sos, x] if zi is None else [sos, x, np.asarray(zi)]
    dtype = np.result_type(*inputs)
    if dtype.char not in "fdg":
        raise TypeError(f"sosfilt takes real floating-point input, not {dtype}")
    if zi is not None:
        state = np.array(zi, dtype=dtype)  # a copy: filtered in place
        if state.shape != tuple(zi_shape_full):
            raise ValueError(f"zi must have shape {tuple(zi_shape_full)}, got {state.shape}")
    else:
        state = np.zeros(zi_shape_full, dtype=dtype)
    axis = axis % x.ndim
    moved = np.moveaxis(x, axis, -1)
    state = np.moveaxis(state, (0, axis + 1), (-2, -1))
    x_shape, zi_shape = moved.shape, state.shape
    data = np.array(np.reshape(moved, (-1, moved.shape[-1])), dtype, order="C")
    state = np.ascontiguousarray(np.reshape(state, (-1, n_sections, 2)))
    kernel(sos.astype(dtype, copy=False), data, state)
    y = np.moveaxis(data.reshape(x_shape), -1, axis)
    if zi is None:
        return y
    zf = np.moveaxis(state.reshape(zi_shape), (-2, -1), (0, axis + 1))
    return y, zf


def _lfilter_zi(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``scipy.signal.lfilter_zi`` for one second-order section."""
    if a[0] != 1.0:
        b, a = b / a[0], a / a[0]
    n = max(len(a), len(b))
    companion = np.zeros((n - 1, n - 1), dtype=a.dtype)
    companion[0] = -a[1:] / a[0]
    companion[1:, :-1] += np.eye(n - 2, dtype=a.dtype)
    i_minus_a = np.eye(n - 1, dtype=np.result_type(a, b)) - companion.T
    return np.linalg.solve(i_minus_a, b[1:] - a[1:] * b[0])


def sosfilt_zi(sos: np.ndarray) -> np.ndarray:
    """``scipy.signal.sosfilt_zi``: the initial state for a step response's steady state."""
    sos = np.asarray(sos, dtype=float)
    zi = np.empty((sos.shape[0], 2), dtype=sos.dtype)
    scale = 1.0
    for section in range(sos.shape[0]):
        b, a = sos[section, :3], sos[section, 3:]
        zi[section] = scale * _lfilter_zi(b, a)
        scale *= b.sum() / a.sum()
    return zi


def sosfiltfilt(sos: np.ndarray, x: np.ndarray, padlen: int | None = None) -> np.ndarray:
    """``scipy.signal.sosfiltfilt(sos, x, padtype="odd", padlen=padlen)`` along the last
    axis of a 1-D ``x`` or of each row of a 2-D one (rows filtered as separate calls
    would filter them, in one pass of the kernel)."""
    sos = np.atleast_2d(np.asarray(sos, dtype=float))
    x = np.asarray(x)
    n_sections = sos.shape[0]
    ntaps = 2 * n_sections + 1
    ntaps -= min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    edge = ntaps * 3 if padlen is None else padlen
    if x.shape[-1] <= edge:
        raise ValueError(f"the signal must be longer than padlen, which is {edge}")
    ext = x
    if edge > 0:
        ext = np.concatenate(
            (
                2 * x[..., 0:1] - x[..., edge:0:-1],
                x,
                2 * x[..., -1:] - x[..., -2 : -(edge + 2) : -1],
            ),
            axis=-1,
        )
    zi = _steady_state(sos)
    rows = ext.reshape(-1, ext.shape[-1])
    # States (sections, rows, 2), as sosfilt takes them along the last axis.
    y, _ = sosfilt(sos, rows, zi=zi[:, None, :] * rows[None, :, 0:1])
    y, _ = sosfilt(sos, y[:, ::-1], zi=zi[:, None, :] * y[None, :, -1:])
    y = y[:, ::-1]
    y = y.reshape(ext.shape)
    return y[..., edge:-edge] if edge > 0 else y


def _steady_state(sos: np.ndarray) -> np.ndarray:
    """:func:`sosfilt_zi` of ``sos``, computed once per filter."""
    key = sos.tobytes()
    zi = _ZI.get(key)
    if zi is None:
        zi = _ZI[key] = sosfilt_zi(sos)
    return zi


_ZI: dict[bytes, np.ndarray] = {}


def butter_sos(order: int, cutoff_hz: float | tuple[float, float], fs: float) -> np.ndarray:
    """A digital Butterworth filter as second-order sections, as ``scipy.signal.butter``.

    ``cutoff_hz`` is one frequency (a low-pass of ``order``) or a pair (a band-pass of
    twice ``order``); frequencies are pre-warped and mapped by the bilinear transform.
    """
    edges = cutoff_hz if isinstance(cutoff_hz, tuple) else (cutoff_hz,)
    if not all(0.0 < f < fs / 2 for f in edges) or sorted(edges) != list(edges):
        raise ValueError(f"cutoffs {edges} Hz must rise and lie between 0 and {fs / 2:g} Hz")
    fs2 = 2.0 * fs
    # buttap: the unit-cutoff analog poles, in the left half-plane.
    poles = -np.exp(1j * np.pi * np.arange(-order + 1, order, 2) / (2 * order))
    if isinstance(cutoff_hz, tuple):
        low, high = (fs2 * math.tan(math.pi * f / fs) for f in cutoff_hz)
        centre, width = math.sqrt(low * high), high - low
        half = poles * width / 2.0
        root = np.sqrt(half**2 - centre**2)
        analog_poles = np.concatenate((half + root, half - root))
        analog_zeros = np.zeros(order)
        gain = width**order
    else:
        warped = fs2 * math.tan(math.pi * cutoff_hz / fs)
        analog_poles, analog_zeros, gain = warped * poles, np.zeros(0), warped**order
    digital_poles = (fs2 + analog_poles) / (fs2 - analog_poles)
    digital_zeros = np.concatenate(
        (
            (fs2 + analog_zeros) / (fs2 - analog_zeros),
            -np.ones(len(analog_poles) - len(analog_zeros)),
        )
    )
    gain = gain * float(np.real(np.prod(fs2 - analog_zeros) / np.prod(fs2 - analog_poles)))
    return _sections(digital_zeros.real, digital_poles, gain)


def _sections(zeros: np.ndarray, poles: np.ndarray, gain: float) -> np.ndarray:
    """Second-order sections of real zeros and complex-conjugate pole pairs (even count).

    Each section takes one pole pair and two zeros; the gain goes to the first section.
    """
    upper = poles[poles.imag > 0]
    if 2 * len(upper) != len(poles) or len(zeros) != len(poles):
        raise ValueError("only filters of complex-conjugate pole pairs are designed here")
    upper = upper[np.argsort(np.abs(upper))]  # poles nearest the unit circle last
    zeros = np.sort(zeros)
    sos = np.zeros((len(upper), 6))
    for n, pole in enumerate(upper):
        z = zeros[[n, len(zeros) - 1 - n]]
        sos[n, :3] = [1.0, -(z[0] + z[1]), z[0] * z[1]]
        sos[n, 3:] = [1.0, -2.0 * pole.real, abs(pole) ** 2]
    sos[0, :3] *= gain
    return sos


def sosfreqz(sos: np.ndarray, points: int) -> np.ndarray:
    """The complex response at ``points`` frequencies from 0 to (not including) Nyquist,
    as ``scipy.signal.sosfreqz(sos, worN=points)[1]``."""
    z = np.exp(-1j * np.pi * np.arange(points) / points)
    response = np.ones(points, dtype=complex)
    for b0, b1, b2, a0, a1, a2 in np.asarray(sos, dtype=float):
        response *= (b0 + b1 * z + b2 * z**2) / (a0 + a1 * z + a2 * z**2)
    return response
