"""Hydrogen kit and song parsing, instrument classification; helpers for the corpus tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from drumassist.errors import CorpusError
from drumassist.learn.corpus.hydrogen import read_drumkit, read_song
from drumassist.learn.corpus.kitmap import Articulation as A  # noqa: N817
from drumassist.learn.corpus.kitmap import classify, is_acoustic, recording_group

RATE = 44100

# name -> (balance volume, sample synthesiser parameters (freq Hz, decay s, noise share))
TINY_INSTRUMENTS: dict[str, tuple[float, tuple[float, float, float]]] = {
    "Kick": (1.0, (55.0, 0.25, 0.05)),
    "Snare": (0.9, (190.0, 0.15, 0.6)),
    "Hat Closed": (0.6, (7000.0, 0.04, 0.9)),
    "Hat Open": (0.6, (7000.0, 0.3, 0.9)),
    "Tom Hi": (0.8, (160.0, 0.3, 0.1)),
    "Tom Low": (0.85, (90.0, 0.4, 0.1)),
    "Crash": (0.5, (3000.0, 0.9, 0.95)),
    "Ride": (0.55, (4000.0, 0.7, 0.7)),
}


def hit_sample(freq_hz: float, decay_s: float, noise: float, *, seed: int) -> np.ndarray:
    """A decaying tone plus noise: a crude, distinct drum sample."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(min(3 * decay_s, 1.0) * RATE)) / RATE
    tone = np.sin(2 * np.pi * freq_hz * t)
    return (
        0.8 * np.exp(-t / decay_s) * ((1 - noise) * tone + noise * rng.uniform(-1, 1, t.size))
    ).astype(np.float32)


def _instrument_xml(
    i: int, name: str, volume: float, layers: Sequence[tuple[str, float, float]]
) -> str:
    layer_xml = "".join(
        f"<layer><filename>{f}</filename><min>{lo}</min><max>{hi}</max><gain>1</gain></layer>"
        for f, lo, hi in layers
    )
    return (
        f"<instrument><id>{i}</id><name>{name}</name><volume>{volume}</volume><pan>0</pan>"
        f"<gain>1</gain><instrumentComponent><component_id>0</component_id><gain>1</gain>"
        f"{layer_xml}</instrumentComponent></instrument>"
    )


def make_kit(
    folder: Path,
    *,
    name: str = "TinyKit",
    instruments: dict[str, tuple[float, tuple[float, float, float]]] | None = None,
    missing: Sequence[str] = (),
    song: bool = True,
) -> Path:
    """Write a kit (new Hydrogen format, two velocity layers each) and a song; return its folder."""
    kit = folder / name
    kit.mkdir(parents=True)
    parts = []
    for i, (inst, (volume, params)) in enumerate((instruments or TINY_INSTRUMENTS).items()):
        stem = inst.lower().replace(" ", "_")
        for layer, level in ((0, 0.5), (1, 1.0)):
            audio = level * hit_sample(*params, seed=10 * i + layer)
            sf.write(str(kit / f"{stem}_{layer}.wav"), audio, RATE, subtype="PCM_16")
        layers = [(f"{stem}_0.wav", 0.0, 0.5), (f"{stem}_1.wav", 0.5, 1.0)]
        layers += [(m, 0.0, 1.0) for m in missing if inst == "Snare"]
        parts.append(_instrument_xml(i, inst, volume, layers))
    (kit / "drumkit.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">'
        f"<name>{name}</name><instrumentList>{''.join(parts)}</instrumentList></drumkit_info>\n",
        encoding="utf-8",
    )
    if song:
        write_song(kit / "tiny.h2song", kit_name=name)
    return kit


def write_song(path: Path, *, kit_name: str) -> None:
    """A one-bar rock beat in the 1.x song format (kick, snare, hats, a tom, a crash)."""
    names = ["Kick", "Snare", "Hat Closed", "Tom Hi", "Crash"]
    notes = [(0, 0), (96, 0), (48, 1), (144, 1), (0, 4), (168, 3)]
    notes += [(tick, 2) for tick in range(24, 192, 24)]
    note_xml = "".join(
        f"<note><position>{tick}</position><velocity>0.8</velocity><instrument>{inst}</instrument></note>"
        for tick, inst in notes
    )
    inst_xml = "".join(
        f"<instrument><id>{i}</id><name>{n}</name><drumkit>{kit_name}</drumkit></instrument>"
        for i, n in enumerate(names)
    )
    path.write_text(
        f"<song><version>1.2.0</version><bpm>120</bpm><name>Tiny</name>"
        f"<instrumentList>{inst_xml}</instrumentList><patternList><pattern><name>beat</name>"
        f"<size>192</size><noteList>{note_xml}</noteList></pattern></patternList>"
        f"<patternSequence><group><patternID>beat</patternID></group></patternSequence></song>",
        encoding="utf-8",
    )


# -- tests --------------------------------------------------------------------------------------


def test_new_format_kit_is_read(tmp_path):
    folder = make_kit(tmp_path, missing=["gone.wav"])
    kit = read_drumkit(folder / "drumkit.xml")
    assert kit.name == "TinyKit"
    assert [i.name for i in kit.instruments] == list(TINY_INSTRUMENTS)
    snare = kit.instruments[1]
    assert snare.balance == pytest.approx(0.9)
    assert [layer.path.name for layer in snare.layers] == ["snare_0.wav", "snare_1.wav"]
    assert kit.missing == ("gone.wav",)


def test_old_formats_are_read(tmp_path):
    """0.9.x layers directly in the instrument with pan_L/pan_R, and the oldest single filename."""
    sf.write(str(tmp_path / "k.wav"), hit_sample(60, 0.2, 0.1, seed=1), RATE)
    (tmp_path / "drumkit.xml").write_text(
        "<drumkit_info><name>Old</name><instrumentList>"
        "<instrument><id>0</id><name>Kick</name><volume>0.8</volume><pan_L>1</pan_L>"
        "<pan_R>0.7</pan_R><gain>0.5</gain><layer><filename>k.wav</filename><min>0</min>"
        "<max>1</max><gain>0.9</gain></layer></instrument>"
        "<instrument><id>1</id><filename>k.wav</filename><name>Snare</name><volume>1</volume>"
        "</instrument></instrumentList></drumkit_info>",
        encoding="utf-8",
    )
    kick, snare = read_drumkit(tmp_path / "drumkit.xml").instruments
    assert kick.balance == pytest.approx(0.4)
    assert kick.pan == pytest.approx(-0.3)
    assert kick.layers[0].gain == pytest.approx(0.9)
    assert snare.balance == 1.0 and snare.layers[0].path.name == "k.wav"


def test_song_is_read_in_both_formats(tmp_path):
    write_song(tmp_path / "new.h2song", kit_name="TinyKit")
    song = read_song(tmp_path / "new.h2song")
    assert song.bpm == 120 and song.kit_name == "TinyKit"
    assert len(song.sections) == 1 and song.sections[0].ticks == 192
    assert len(song.sections[0].notes) == 13
    old = (
        "<song><bpm>90</bpm><instrumentList><instrument><id>0</id><name>Kick</name>"
        "</instrument></instrumentList><patternList><pattern><name>P</name><size>96</size>"
        "<sequenceList><sequence><noteList><note><position>0</position><velocity>0.5</velocity>"
        "<instrument>0</instrument></note></noteList></sequence></sequenceList></pattern>"
        "</patternList><patternSequence><group><patternID>P</patternID></group><group>"
        "<patternID>P</patternID></group></patternSequence></song>"
    )
    (tmp_path / "old.h2song").write_text(old, encoding="utf-8")
    song = read_song(tmp_path / "old.h2song")
    assert [len(s.notes) for s in song.sections] == [1, 1]
    assert song.sections[0].ticks == 96


def test_unreadable_xml_is_a_corpus_error(tmp_path):
    (tmp_path / "drumkit.xml").write_text("<drumkit_info><name>", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"drumkit\.xml"):
        read_drumkit(tmp_path / "drumkit.xml")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kick", A.KICK),
        ("BassDrum", A.KICK),
        ("Snare Rimshot", A.RIMSHOT),
        ("Pearl Side Stick", A.SIDESTICK),
        ("Rim Click (Pearl Free Floating Maple 14x3.5)", A.SIDESTICK),
        ("Hat Pedal", A.HAT_PEDAL),
        ("Sabian Hat Semi-Open", A.HAT_OPEN),
        ("Closed HH", A.HAT_CLOSED),
        ("Floor Tom", A.TOM),
        ("tomhi2", A.TOM),
        ("Paiste Bell", A.RIDE_BELL),
        ("ride-cup", A.RIDE_BELL),
        ('Crash/Ride (Paiste Rude Crash/Ride 18")', A.CRASH),
        ("Zildjian Splash", A.SPLASH),
        ('China (Paiste Alpha 18")', A.CHINA),
        ("Cowbell", None),
        ("Hand Clap", None),
        ("Zildjian Splash Choke", None),
        ("17", None),
    ],
)
def test_instrument_names_are_classified(name, expected):
    assert classify(name) == expected


def test_groups_and_acoustic_kits():
    assert recording_group("GMRockKit", "GMRockKit") == recording_group(
        "The Black Pearl 1.0", "The Black Pearl 1.0"
    )
    assert recording_group("Millo_MultiLayered2", "x") == recording_group("Millo-Drums_v.1", "y")
    assert recording_group("Forzee Stereo Drumkit", "ForzeeStereo") == "forzeestereo"
    assert not is_acoustic("TR808EmulationKit", "TR808EmulationKit")
    assert is_acoustic("My Own Kit", "mykit")
