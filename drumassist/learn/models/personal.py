"""The personal model: dB offsets per role and context on top of the default model.

For each recorded session ``s`` and track ``t`` the residual is what the user chose
minus what the default model suggested, ``r = chosen_db - default_db``. It is fitted as
``r = c_s + o(role, context)``: ``c_s`` is a free level per session (only the balance
counts) and ``o`` the user's taste. Offsets are shrunk toward zero (empirical-Bayes
style, the factor ``n / (n + k)`` for ``n`` sessions with that role and
:data:`SHRINK_SESSIONS` ``= k``), so one session moves a suggestion a third of the
way and five sessions five sevenths. Per (role, context), the context's deviation
from the role's mean is shrunk the same way and added to the role's offset. Context
is whether the session has ambient mics (overheads or room) or close mics only, as a
close-only mix balances differently.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.core.jsondoc import field_number, read_json_doc
from drumassist.core.personal import PERSONAL_MODEL_NAME, personal_model_path
from drumassist.core.roles import Role
from drumassist.errors import PersonalModelError
from drumassist.learn.models import registry

FORMAT_NAME = "drumassist-personal-model"
FORMAT_VERSION = 1
MODEL_NAME = PERSONAL_MODEL_NAME
#: The k of the shrinkage n / (n + k): sessions' worth of belief in "no correction".
SHRINK_SESSIONS = 2.0
#: Alternations of the session levels and the offsets (converges in a few).
FIT_ROUNDS = 20


def session_context(roles: Sequence[Role]) -> str:
    """``"ambient"`` when the session has overhead or room mics, else ``"close"``."""
    return "ambient" if any(r in (Role.OVERHEAD, Role.ROOM) for r in roles) else "close"


@dataclass(frozen=True)
class Example:
    """One recorded session as a training pair: the default's gains and the user's."""

    session_id: str
    roles: tuple[Role, ...]
    default_db: np.ndarray  # the default model's gains, per track
    chosen_db: np.ndarray  # the user's gains, NaN where muted

    @property
    def context(self) -> str:
        return session_context(self.roles)


@dataclass(frozen=True)
class PersonalModel:
    """Offsets in dB per role, and per (role, context), with the sessions behind each."""

    role_offsets_db: dict[str, float]
    role_sessions: dict[str, int]
    context_offsets_db: dict[str, dict[str, float]] = field(default_factory=dict)
    sessions: int = 0
    shrink_sessions: float = SHRINK_SESSIONS
    trained_utc: str = ""
    #: The default model the offsets correct (its method): another default needs a refit.
    base_method: str = registry.DEFAULT_METHOD

    def offset_db(self, role: Role, context: str) -> float:
        """The correction for a track of ``role`` in a session of ``context`` (0 if unseen)."""
        by_context = self.context_offsets_db.get(role.value, {})
        if context in by_context:
            return by_context[context]
        return self.role_offsets_db.get(role.value, 0.0)

    def offsets_db(self, roles: Sequence[Role]) -> np.ndarray:
        context = session_context(roles)
        return np.array([self.offset_db(r, context) for r in roles])

    def describe(self) -> str:
        """One line: the largest corrections, e.g. ``snare +2.1 dB, hi-hat -1.4 dB``."""
        items = sorted(self.role_offsets_db.items(), key=lambda kv: -abs(kv[1]))
        shown = ", ".join(f"{role} {value:+.1f} dB" for role, value in items[:4])
        sessions = f"{self.sessions} session{'' if self.sessions == 1 else 's'}"
        return f"{shown or 'no corrections'} (from {sessions})"


def fit_personal(
    examples: Sequence[Example], *, shrink_sessions: float = SHRINK_SESSIONS
) -> PersonalModel:
    """Fit the offsets on ``examples`` (see the module docstring)."""
    if not examples:
        raise PersonalModelError(
            "no recorded sessions to learn from: export a mix or save a session in the window first"
        )
    residuals = [e.chosen_db - e.default_db for e in examples]
    valid = [np.isfinite(r) for r in residuals]
    model = PersonalModel({}, {}, sessions=len(examples), shrink_sessions=shrink_sessions)
    for _ in range(FIT_ROUNDS):
        levels = []
        for e, r, ok in zip(examples, residuals, valid, strict=True):
            rest = r[ok] - model.offsets_db(e.roles)[ok]
            levels.append(float(rest.mean()) if rest.size else 0.0)
        model = _offsets(examples, residuals, valid, levels, shrink_sessions)
    return model


def _offsets(
    examples: Sequence[Example],
    residuals: Sequence[np.ndarray],
    valid: Sequence[np.ndarray],
    levels: Sequence[float],
    k: float,
) -> PersonalModel:
    # One value per (session, role): a session with two snare mics counts once.
    per_role: dict[str, list[float]] = defaultdict(list)
    per_context: dict[tuple[str, str], list[float]] = defaultdict(list)
    for e, r, ok, level in zip(examples, residuals, valid, levels, strict=True):
        for role in sorted({role.value for role, good in zip(e.roles, ok, strict=True) if good}):
            mask = ok & np.array([x.value == role for x in e.roles])
            value = float((r[mask] - level).mean())
            per_role[role].append(value)
            per_context[role, e.context].append(value)
    role_offsets = {role: _shrunk(v, k) for role, v in per_role.items()}
    contexts: dict[str, dict[str, float]] = defaultdict(dict)
    for (role, context), values in per_context.items():
        # The context's own deviation from its role, shrunk by its own count: shrinking
        # toward the (already shrunk) role offset would count the same sessions twice.
        deviation = [v - float(np.mean(per_role[role])) for v in values]
        contexts[role][context] = role_offsets[role] + _shrunk(deviation, k)
    return PersonalModel(
        role_offsets,
        {role: len(v) for role, v in per_role.items()},
        dict(contexts),
        sessions=len(examples),
        shrink_sessions=k,
        trained_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _shrunk(values: Sequence[float], k: float) -> float:
    """The mean of ``values`` times ``n / (n + k)``: toward zero while ``n`` is small."""
    n = len(values)
    return n / (n + k) * float(np.mean(values))


def model_path() -> Path:
    """Where the personal model lives: ``personal/model.json`` in the data folder."""
    return personal_model_path()


def save_personal(model: PersonalModel, path: Path | None = None) -> Path:
    """Write the model as JSON, atomically; returns the path."""
    target = path or model_path()
    roles = {
        role: {
            "offset_db": offset,
            "sessions": model.role_sessions.get(role, 0),
            "contexts": model.context_offsets_db.get(role, {}),
        }
        for role, offset in model.role_offsets_db.items()
    }
    doc = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "base_method": model.base_method,
        "sessions": model.sessions,
        "shrink_sessions": model.shrink_sessions,
        "trained_utc": model.trained_utc,
        "roles": roles,
    }
    data = (json.dumps(doc, indent=1) + "\n").encode()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, lambda h: h.write(data), overwrite=True)
    except OSError as exc:
        raise PersonalModelError(f"{target}: cannot write the personal model ({exc})") from exc
    return target


def load_personal(path: Path | None = None) -> PersonalModel:
    """Read a personal model written by :func:`save_personal`."""
    source = path or model_path()
    err = PersonalModelError
    doc = read_json_doc(source, what="personal model", error=err)
    if doc.get("format") != FORMAT_NAME or doc.get("version") != FORMAT_VERSION:
        raise err(f"{source.name}: not a version {FORMAT_VERSION} {FORMAT_NAME} file")
    roles = doc.get("roles")
    if not isinstance(roles, dict):
        raise err(f"{source.name}: 'roles' must be an object")
    offsets, sessions, contexts = {}, {}, {}
    for role, item in roles.items():
        where = f"{source.name}, role {role}"
        if role not in {r.value for r in Role} or not isinstance(item, dict):
            raise err(f"{where}: not a known role with an object of offsets")
        offsets[role] = field_number(item, "offset_db", where=where, error=err, low=-60, high=60)
        sessions[role] = int(field_number(item, "sessions", where=where, error=err, low=0))
        by_context = item.get("contexts", {})
        if not isinstance(by_context, dict):
            raise err(f"{where}: 'contexts' must be an object")
        contexts[role] = {
            c: field_number(by_context, c, where=where, error=err, low=-60, high=60)
            for c in by_context
        }
    return PersonalModel(
        offsets,
        sessions,
        contexts,
        sessions=int(field_number(doc, "sessions", where=source.name, error=err, low=0)),
        shrink_sessions=field_number(doc, "shrink_sessions", where=source.name, error=err, low=0),
        trained_utc=str(doc.get("trained_utc", "")),
        base_method=_base_method(doc.get("base_method")),
    )


#: What a personal model saved before 2026-12-01 names as its base ("default"): the
#: default of then, the trim model.
LEGACY_BASE = "trim"


def _base_method(saved: object) -> str:
    if saved in (None, registry.DEFAULT_ALIAS):
        return LEGACY_BASE
    return str(saved)


def has_personal_model(path: Path | None = None) -> bool:
    return (path or personal_model_path()).is_file()
