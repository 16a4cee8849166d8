"""Track names in other alphabets, spelled in the Latin letters the role tables use.

A Russian or Ukrainian session names its tracks "Бочка", "Рабочий верх", "Хэт",
"Том 2", "Оверы Л", "Рум": spelled so, their words are looked up like any other
(:mod:`drumassist.core.rolewords` lists ``bochka``, ``rabochiy``, ``het``, ``overy``...).
Before, every such track was "other" (found by a new-user trial: "Том 2", a tom mic
whose drum did not play, was then suggested +25 dB).
"""

from __future__ import annotations

#: Cyrillic letters as the word tables spell them (lower case).
CYRILLIC_LETTERS: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e",
    "є": "e", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "y", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def latin_letters(text: str) -> str:
    """``text`` with every Cyrillic letter spelled in Latin ones (see :func:`_latin`)."""
    return "".join(_latin(char, text[i + 1 : i + 2]) for i, char in enumerate(text))


def _latin(char: str, following: str) -> str:
    """A Cyrillic letter as the tables spell it, any other character as it is. A capital
    stays one: capitalised before a small letter ("Ч" of "Чарльз" is "Ch"), in capitals
    before a capital or the end ("БОЧКА" is "BOCHKA", one word, not "BO Ch KA")."""
    lower = char.lower()
    spelled = CYRILLIC_LETTERS.get(lower)
    if spelled is None or char == lower:
        return char if spelled is None else spelled
    return spelled.capitalize() if following.islower() else spelled.upper()
