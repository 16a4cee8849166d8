"""The vocabulary of drum track names: which words name which role, side and position.

Plain data, read by :mod:`drumassist.core.roles`. Each entry lists lower-case
accent-free words separated by spaces (phrases: two words, separated by commas), keyed
by role value (``"kick"``), side or normalised position. To add a spelling, add it to
one line here; a word listed under two keys fails at import of ``roles``.
"""

from __future__ import annotations

ROLE_WORDS: dict[str, str] = {
    "kick": (
        "kick kicks kik kck kic kdrum bd bds bassdrum basstrommel bombo gc cassa grancassa bumbo"
        " bochka bochki"
    ),
    "snare": "snare snares snr sn sd cc caja rullante caixa tarola redoblante rabochiy rabochii"
    " sneyr",
    "hi-hat": "hh hhs hat hats hihat hihats charles charleston chimbal het hayhet",
    "tom": "tom toms tomtom ft ftom rtom timbal",
    "cymbal": "cymbal cym cymb ride rides crash crashes china splash tarelka",
    "overhead": "oh ohs overhead overheads over overs ovh ovhd cymbals cyms becken overhed"
    " overhedy overy tarelki",
    "room": "room rooms rm amb ambi ambience ambiance ambient ambiente crush trash salle raum"
    " rum komnata",
}

# Two-word phrases, separated by commas.
ROLE_PHRASES: dict[str, str] = {
    "kick": "k drum, bass drum, bass drums, grosse caisse, grosse trommel, gran cassa, bas bochka",
    "snare": "caisse claire, kleine trommel, malyy baraban, rabochiy baraban",
    "hi-hat": "hi hat, hi hats, high hat, high hats, hay het",
    "tom": "tom tom",
    "overhead": "glyn johns",
}

# Roles these words give only when no other role word is in the name.
# A kit mic, a hall or window mic, a distant one: the room, unless a drum is named too.
WEAK_ROLE_WORDS: dict[str, str] = {
    "tom": "floor rack",
    "room": "far distant hall chamber atmo window wndw kit",
}

# Roles these words give only right before a number ("T1"); alone they are too vague.
NUMBERED_ROLE_WORDS: dict[str, str] = {"tom": "t"}

# A kick's "front" mic sits outside its front (resonant) head, as a kick-out mic does;
# its "back" mic at the batter head hears the beater, as a kick-in mic does (DrumGizmo's
# DRSKit names its two kick mics ``Kdrum_front`` and ``Kdrum_back``).
POSITION_WORDS: dict[str, str] = {
    "in": "in inside int inner back vnutri",
    "out": "out outside ext outer front snaruzhi",
    "sub": "sub",
    "top": "top up upper verh verhniy",
    "bottom": "bottom bot btm bttm under down niz nizhniy",
    "floor": "floor ft basse",
    "rack": "rack",
    "mono": "mono",
    "stereo": "stereo",
    "close": "close near",
    "far": "far",
    "high": "hi high",
    "mid": "mid middle",
    "low": "lo low",
}

# Position words read only as words of their own, never inside a compound ("Kickback"
# is not a kick's back mic).
SEPARATE_POSITION_WORDS = frozenset({"back", "front"})

SIDE_WORDS: dict[str, str] = {
    "L": "l left lft izq izquierda gauche links sx sinistra levyy levyi",
    "R": "r right rgt der derecha droite rechts dx destra pravyy pravyi",
}

# Audio files, and the peak and analysis files DAWs write beside them.
# Words that name a whole mix, not one mic: a file named so ("Drums Mix", "Final
# Bounce", "Premaster", "Drum Bus") in a stems folder is a DAW's mix saved beside the
# stems (with a drum's name, "Kick Bus", it is that drum's submix: a stem).
MIX_WORDS = frozenset(
    [
        "mix", "mixes", "mixdown", "mixdowns", "bounce", "bounces", "bounced", "master",
        "premaster", "print", "stereomix", "bus", "buss",
    ]
)  # fmt: skip

# Words that name a track other than a drum mic, as a whole session's export holds them
# beside the drums: a click, a talkback mic, a reference, another instrument. Mixed in,
# a click took a drum's place in the balance; with a drum's name ("Snare Click", "Room
# Guitar") the file is that drum's. Not "bass" alone: "Bass In" and "Bass Out" may be a
# bass drum's mics ("Bass DI" and "Bass Amp" are left out by "di" and "amp").
NON_DRUM_WORDS = frozenset(
    [
        "click", "clicktrack", "metronome", "talkback", "guide", "scratch", "cue", "ref",
        "reference", "vox", "vocal", "vocals", "voc", "voice", "choir", "bv", "bvs", "di",
        "amp", "guitar", "guitars", "gtr", "gtrs", "keys", "keyboard", "piano", "pno",
        "rhodes", "organ", "synth", "synths", "strings", "sax", "horn", "horns", "brass",
        "trumpet", "violin", "cello",
    ]
)  # fmt: skip

FILE_EXTENSIONS = frozenset(
    {
        *("wav", "wave", "bwf", "rf64", "w64", "aif", "aiff", "aifc", "caf", "sd2"),
        *("flac", "ogg", "oga", "opus", "mp3", "m4a", "mp4", "aac", "wma", "wv"),
        *("asd", "reapeaks", "pk"),
    }
)
