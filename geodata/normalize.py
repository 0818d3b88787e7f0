"""Match keys for Arabic place names written in many transliterations.

Why: reporting on Syria and Iraq spells one place many ways ("Deir Ez-Zor",
"Dayr az Zawr", "Deir el-Zor", "Deir Ezzor", "دير الزور"). GeoNames lists many
of these as alternate names but never all of them, so exact lookup misses a
third of real-world spellings. Instead of enumerating spellings we reduce every
name to keys in which the usual sources of variation collapse:

* :func:`name_key` keeps vowels (canonicalised) and is precise enough to be
  trusted on its own;
* :func:`skeleton_key` keeps mostly consonants; it collides more, so callers
  only accept it together with a similarity check on :func:`name_key`;
* :func:`arabic_key` handles Arabic script separately, because anyascii's
  romanisation of unvocalised Arabic ("حلب" -> "hlb") is not comparable with
  vocalised English forms.

All functions are pure and cached; keys are plain ``str`` so they can index a
dict or feed rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

__all__ = [
    "ARTICLES",
    "GENERIC_HEADS",
    "arabic_key",
    "consonant_key",
    "fold",
    "has_arabic",
    "match_keys",
    "name_key",
    "skeleton_key",
    "split_generic",
    "tokens",
]

_ARABIC_CHARS = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_HARAKAT = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_AR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",
        "ئ": "ي",
        "ة": "ه",
        "ۀ": "ه",
        "ؤ": "و",
        "ء": "",
        "ک": "ك",
        "گ": "ك",
        "پ": "ب",
        "چ": "ج",
        "ژ": "ز",
        "ڤ": "ف",
    }
)

#: Arabic definite article in its common romanisations, incl. sun-letter
#: assimilated forms (ad-, ar-, as-, ...) and French/Levantine e- forms.
ARTICLES = frozenset(
    {
        "al",
        "el",
        "il",
        "ul",
        "l",
        "ad",
        "ed",
        "adh",
        "edh",
        "ar",
        "er",
        "as",
        "es",
        "ash",
        "esh",
        "at",
        "et",
        "ath",
        "eth",
        "az",
        "ez",
        "an",
        "en",
        "ats",
        "ets",
        "ag",
        "eg",
    }
)

# Generic words that are not part of the distinctive name; a query
# "Raqqa city" should match "Ar Raqqah".
_NOISE = frozenset({"city", "town", "village", "ville", "stadt", "the"})

# Scholarly (DMG/ISO 233) letters that stand for an English digraph; anyascii
# would reduce them to one letter ("Ḫān Šayḫūn" -> "han sayhun", "Ǧisr" ->
# "gisr"). Only caron/breve-below forms: BGN's cedilla letters (ş, ţ, ḑ) are
# emphatics, which stay single letters.
_DIGRAPH_LETTERS = str.maketrans(
    {
        "ḫ": "kh",
        "Ḫ": "Kh",
        "ẖ": "kh",
        "š": "sh",
        "Š": "Sh",
        "ǧ": "j",
        "Ǧ": "J",
        "ž": "zh",
        "Ž": "Zh",
        "č": "ch",
        "Č": "Ch",
        "ġ": "gh",
        "Ġ": "Gh",
        "ṯ": "th",
        "Ṯ": "Th",
        "ḏ": "dh",
        "Ḏ": "Dh",
    }
)
_APOSTROPHES = re.compile(r"[`'\u2018\u2019\u02bb\u02bc\u02be\u02bf\u00b4\u02b9\u02c8]")
_SUN = r"(?:th|dh|sh|ts|[tdrzsnl])"
# "Ezzor", "Arraqqa", "Assukhnah": article fused with a doubled sun letter.
_FUSED_SUN = re.compile(rf"^[aeu]l?({_SUN})(?=\1)")
# "Almayadin", "Elbab": article fused without assimilation.
_FUSED_AL = re.compile(r"^[ae]l(?=[bcfghjkmpqvwy][a-z]{2,})")

# Ordered rewrite rules applied to the joined latin string. Order matters:
# multi-letter graphs before single letters. Plain replacements are kept as
# str.replace (an order of magnitude faster than re.sub on 10^5 names).
_FRENCH_QU = re.compile(r"qu(?=[eiy])")  # Lattaquie -> lattakie
_PREFIX_BU = re.compile(r"^(?:a|e)?l?b(?:ou|u|o)")  # Abu/Albu/Abou/Bou Kamal -> bu
_CONSONANTS: tuple[tuple[str, str], ...] = (
    ("tsch", "sh"),
    ("tch", "sh"),
    ("sch", "sh"),
    ("ch", "sh"),  # French/German sh
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("dz", "j"),  # Djerablous
    ("ph", "f"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("ck", "k"),
    ("q", "k"),
    ("c", "k"),
    ("x", "ks"),
)
_GLIDES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"w(?=[^aeiouy]|$)"), "u"),  # Zawr -> zaur
    (re.compile(r"y(?=[^aeiou]|$)"), "i"),  # Dayr -> dair
    (re.compile(r"(?<=[^aeiou])i?y(?=[aeiou])"), "i"),  # Ladhiqiyah -> ladhiqiah
    (re.compile(r"(?<=[nlrs])e$"), ""),  # French silent e: Mayadine
    (re.compile(r"eh?$"), "a"),  # Hassakeh, Raqqeh
)
_VOWELS: tuple[tuple[str, str], ...] = (
    ("ou", "u"),
    ("oo", "u"),
    ("au", "u"),
    ("aw", "u"),
    ("o", "u"),  # Mossoul, Tadmor
    ("ee", "i"),
    ("ie", "i"),
    ("ei", "i"),
    ("ai", "i"),
    ("ay", "i"),
    ("ey", "i"),
    ("e", "i"),  # Deir/Dayr, Idleb
)
# Doubled glides (shadda on y/w: "Salamiyya", "Qawwas") and English long
# vowels written double ("Salameeyah") are normalised before the glide rules
# so they reach the same ending as "Salamiyah"/"Salamiya".
_GEMINATE_GLIDE = re.compile(r"([yw])\1+")
_EARLY_VOWELS: tuple[tuple[str, str], ...] = (("ee", "i"), ("oo", "u"))
_INTERVOCALIC = re.compile(r"(?<=[aeiou])[yw](?=[aeiou])")
_GLIDE_U = re.compile(r"(?<=[aei])(?:ou|u)(?=[aei])")  # Haouija/Rauah = Hawija/Rawah
_GLIDE_I = re.compile(r"(?<=[aeou])i(?=[aeou])")  # Madaia/Halfaia = Madaya/Halfaya
_FINAL_H = re.compile(r"(?<=[aiu])h$")  # final -ah/-ih
_CLUSTER = re.compile(r"(?<=[aiu])[aiu]+")  # vowel clusters -> first vowel
_DOUBLE = re.compile(r"(.)\1+")  # doubled letters


def has_arabic(s: str) -> bool:
    return bool(_ARABIC_CHARS.search(s))


@lru_cache(maxsize=65536)
def fold(s: str) -> str:
    """Latin, lower-case, punctuation-free form; diacritics and ʿ/ʾ dropped."""
    s = unicodedata.normalize("NFKC", s).translate(_DIGRAPH_LETTERS)
    s = _APOSTROPHES.sub("", s)
    s = anyascii(s).lower()
    s = _APOSTROPHES.sub("", s)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", s).split())


def tokens(s: str) -> list[str]:
    """Folded tokens without articles or generic words.

    Articles are dropped wherever they stand ("Ayn al-Arab", "Deir ez-Zor"),
    but never when that would leave nothing (a place called "Al").
    """
    toks = fold(s).split()
    kept = [t for t in toks if t not in ARTICLES and t not in _NOISE]
    if not kept:
        kept = [t for t in toks if t not in _NOISE] or toks
    out = []
    for t in kept:
        m = _FUSED_SUN.match(t)
        if m and len(t) - m.end(1) >= 3:
            t = t[m.end(1) :]
        else:
            m = _FUSED_AL.match(t)
            if m:
                t = t[m.end() :]
        out.append(t)
    return out


@lru_cache(maxsize=65536)
def name_key(s: str) -> str:
    """Precise match key: equal keys mean 'same name, spelt differently'."""
    if has_arabic(s) and not re.search(r"[A-Za-z]", s):
        return arabic_key(s)
    k = _PREFIX_BU.sub("bu", "".join(tokens(s)))
    k = _FRENCH_QU.sub("k", k)
    k = _GEMINATE_GLIDE.sub(r"\1", k)
    for a, b in _EARLY_VOWELS:
        if a in k:
            k = k.replace(a, b)
    k = _GLIDE_U.sub("w", k)
    for a, b in _CONSONANTS:
        if a in k:
            k = k.replace(a, b)
    for pat, rep in _GLIDES:
        k = pat.sub(rep, k)
    # Glides between vowels are consonants (Mayadin, Hawija): protect them
    # from the vowel rewrites below.
    k = _GLIDE_I.sub("y", k)
    k = _INTERVOCALIC.sub(lambda m: m.group(0).upper(), k)
    for a, b in _VOWELS:
        if a in k:
            k = k.replace(a, b)
    k = _DOUBLE.sub(r"\1", _CLUSTER.sub("", _FINAL_H.sub("", k)))
    return k.lower()


@lru_cache(maxsize=65536)
def skeleton_key(s: str) -> str:
    """Loose key: consonant skeleton of :func:`name_key`.

    Collapses vowel quality (Manbij/Menbij, Daraa/Deraa, Erbil/Arbil) and
    kh/h, t/d. It is deliberately lossy, so a skeleton hit alone is not enough
    evidence to place a point.
    """
    k = name_key(s)
    if k.startswith("ar:"):
        return k
    k = k.replace("kh", "h").replace("sh", "s").replace("d", "t").replace("z", "s")
    head, tail = k[:1], k[1:]
    if head in "aiu":
        head = ""
    tail = re.sub(r"[aiuwyh]", "", tail)
    return re.sub(r"(.)\1+", r"\1", head + tail)


@lru_cache(maxsize=65536)
def arabic_key(s: str) -> str:
    """Key for Arabic-script names: no harakat, unified letter variants, no ال."""
    s = unicodedata.normalize("NFKC", s)
    s = _HARAKAT.sub("", s).translate(_AR_MAP)
    words = re.sub(r"[^\u0621-\u064A\s]", " ", s).split()
    out = []
    for w in words:
        if w.startswith("ال") and len(w) > 3:
            w = w[2:]
        elif w.startswith("وال") and len(w) > 4:
            w = w[3:]
        out.append(w)
    return "ar:" + "".join(out)


#: Generic heads of Levantine toponyms ("Tell X", "Ayn X"): shared by
#: thousands of places, so they carry no evidence in fuzzy comparison.
GENERIC_HEADS = frozenset(
    {
        "ayn",
        "ain",
        "ein",
        "bir",
        "tell",
        "tal",
        "tall",
        "tel",
        "deir",
        "dayr",
        "dair",
        "der",
        "khirbet",
        "khirbat",
        "kherbet",
        "kafr",
        "kfar",
        "kafar",
        "jisr",
        "qasr",
        "umm",
        "um",
        "ras",
        "wadi",
        "jabal",
        "jebel",
        "hawsh",
        "hosh",
        "mazraat",
        "mazraa",
        "nahr",
        "abu",
        "beit",
        "bayt",
        "qaryat",
        "sheikh",
        "shaykh",
        "shaikh",
        "birkat",
        "qalaat",
        "qalat",
        "hay",
        "maarat",
        "marat",
        "maarrat",
        "sabkhat",
        "bab",
        "mazraah",
    }
)


def split_generic(s: str) -> tuple[str, str]:
    """(generic head, distinctive rest) of a name, e.g. ("ayn", "baydah").

    The head is canonicalised (Tell/Tal/Tall -> "tl") so heads compare across
    spellings; a name that is only a head keeps it as its rest.
    """
    toks = tokens(s)
    if len(toks) >= 2 and toks[0] in GENERIC_HEADS:
        return skeleton_key(toks[0]) or toks[0], " ".join(toks[1:])
    return "", " ".join(toks) or s


def match_keys(s: str) -> tuple[str, str]:
    """(name_key, skeleton_key) for a query or a gazetteer name."""
    return name_key(s), skeleton_key(s)


# Arabic letters -> the consonant classes of :func:`consonant_key`. Vowel
# letters (ا و ي ى), hamza, ʿayn and tāʾ marbūṭa carry no consonant a Latin
# spelling reliably writes, so they map to nothing.
_AR_CONSONANT = str.maketrans(
    {
        "ب": "b",
        "ت": "t",
        "ث": "t",
        "ج": "j",
        "ح": "h",
        "خ": "h",
        "د": "t",
        "ذ": "t",
        "ر": "r",
        "ز": "s",
        "س": "s",
        "ش": "s",
        "ص": "s",
        "ض": "t",
        "ط": "t",
        "ظ": "s",
        "ع": "",
        "غ": "g",
        "ف": "f",
        "ق": "k",
        "ك": "k",
        "ل": "l",
        "م": "m",
        "ن": "n",
        "ه": "h",
        "و": "",
        "ي": "",
        "ا": "",
        "ء": "",
    }
)
_AR_LETTERS_ONLY = re.compile(r"^[\u0621-\u064A\s]+$")


@lru_cache(maxsize=65536)
def consonant_key(s: str) -> str:
    """Consonant classes of a name, comparable across scripts.

    Bridges Arabic script and Latin spellings when GeoNames lists no Arabic
    form of a place ("الدجيل" and "Ad Dujayl" both give "tjl"). Coarse by
    design (t/d/th/dh/ṭ/ḍ -> t, s/z/sh/ṣ -> s, h/kh/ḥ -> h, k/q -> k), so
    callers must treat a hit as weak evidence. Returns "" for Arabic-script
    text with letters outside the Arabic alphabet (Kurdish, Persian extras),
    whose consonants this mapping does not cover.
    """
    if has_arabic(s):
        if re.search(r"[A-Za-z]", s):
            return ""
        t = _HARAKAT.sub("", unicodedata.normalize("NFKC", s))
        if not _AR_LETTERS_ONLY.match(t):
            return ""
        # Tāʾ marbūṭa before another word is pronounced and written "-at"
        # (معرة النعمان = Maʿarrat al-Nuʿmān); at the end it is silent.
        words = t.split()
        words = [w[:-1] + "ت" if w.endswith("ة") and i < len(words) - 1 else w for i, w in enumerate(words)]
        out = []
        for w in " ".join(words).translate(_AR_MAP).split():
            if w.startswith("ال") and len(w) > 3:
                w = w[2:]
            # Final ه (incl. tāʾ marbūṭa, unified to ه) is "-ah"/"-eh" in Latin,
            # whose h name_key drops.
            out.append(w.rstrip("ه").translate(_AR_CONSONANT))
        k = "".join(out)
    else:
        k = name_key(s)
        for a, b in (("kh", "h"), ("sh", "s"), ("gh", "g"), ("th", "t"), ("dh", "d")):
            k = k.replace(a, b)
        k = re.sub(r"[aeiouwy]", "", k.replace("d", "t").replace("z", "s").replace("q", "k"))
    return _DOUBLE.sub(r"\1", k)
