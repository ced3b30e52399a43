"""Names as BPJS registers them, and the variants that make one person look like several.

Why: person linking is the hard part of the pipeline (one person, several kpj numbers,
each typed by a different officer), so the demo must carry the names of Kalimantan
Timur's workers (Javanese, Bugis, Banjar, Dayak, Kutai and eastern-Indonesian names with
their prefixes and honorifics) and the variants people make when they register a name
again: a title added or dropped, MUHAMMAD abbreviated, a slip of the pen as people make
them (docs/demo-data.md), the old spelling of those born before 1975, case and spacing,
and NIKs mistyped so that they can never be valid; and the names of the pairs of persons
planted to tempt the linking rule.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import polars as pl

from tools.demo_data.model import SECTORS

ETHNIC = ("JAWA", "BUGIS", "BANJAR", "DAYAK", "KUTAI", "UMUM", "TIMUR")
# Per ethnic group: given names of men ("m") and women ("f"), second names ("ml", "fl").
# UMUM holds the modern pan-Indonesian names, TIMUR those of eastern Indonesia.
NAMES: dict[str, dict[str, str]] = {
    "JAWA": {
        "m": "AGUS BUDI WAHYU JOKO EKO DWI TRI HERU BAMBANG SUGENG SLAMET SUPARMAN SUTRISNO "
        "SUWARNO SUKIMAN PRIYO TEGUH YUDI ARIS HARI BAYU DANANG GUNAWAN HADI IWAN KUSNO "
        "PARJO RUDI SAPTO SETYO SUGIANTO SUHARTO SUYANTO TONI WARSITO YANTO ADI ANTON DIDIK "
        "ENDRO PONIMAN SUROSO",
        "f": "SRI DEWI ENDANG RATNA SUSI TUTIK WATI YULI SUMARNI SUPARMI SUMIATI NINGSIH RINI "
        "KARTINI PURWANTI EKA INDAH ENY ERNA HARTATI MULYANI SULASTRI SURYANI WIWIK YAYUK "
        "TITIK SUKARSIH PARTINI",
        "ml": "SANTOSO SETIAWAN PRASETYO NUGROHO WIBOWO SUSANTO PURNOMO HARYANTO WIDODO "
        "KURNIAWAN SUPRIYADI HIDAYAT SAPUTRO WAHYUDI SISWANTO HARTONO RAHARJO SUBAGYO "
        "SULISTYO UTOMO PRABOWO SUPRAPTO SETIADI WIJAYANTO",
        "fl": "LESTARI WAHYUNI RAHAYU SUSANTI HANDAYANI PURWANINGSIH RAHMAWATI SULISTYOWATI "
        "WULANDARI SETYOWATI KUSUMAWATI ANGGRAENI PERTIWI ASTUTI WIDYASTUTI",
    },
    "BUGIS": {
        "m": "ARSYAD BAHARUDDIN SYAMSUL HASANUDDIN AMIRUDDIN NURDIN SYAHRIR RUSDI ILHAM IRWAN "
        "JUSMAN KAHAR LUKMAN MUSTAFA NASRULLAH RAHMAN SAHARUDDIN SUDIRMAN SYAMSUDDIN "
        "TAJUDDIN ZAINAL ABDULLAH ARIFIN FIRMAN HAMZAH IDRIS JAMALUDDIN MAKMUR SAMSIR "
        "BURHANUDDIN ASRUL",
        "f": "HASNAH MASNIAH NURHAYATI HAJRAH RAHMAWATI SUHARTINI MARWAH NURLAELA HASNIDAR "
        "ASMAWATI SAHARIAH NURMIATI FATMAWATI JUMARNI KARMILA MUSDALIFAH NURJANNAH "
        "RAHMATIA SUKMAWATI HASMIATI",
        "ml": "LATIF TAHIR SALEH RASYID HAMID MAJID SYARIF AMIR HALIM KADIR MANSUR YUSUF BASRI "
        "RAUF HAKIM MAPPIASSE LAGA",
        "fl": "LATIF TAHIR SALEH RASYID HAMID AMIR HALIM KADIR YUSUF BASRI HAKIM",
    },
    "BANJAR": {
        "m": "ASPIANNOR FAHRIANNOR NORDIN SYARKAWI RAHMADI HAIRUL SAMSUL MASRANI ASRANI JUMBRI "
        "ARBAIN HERMANSYAH IRHAM NORHADI GHAZALI JUHRI MASRAN RUSMADI SYAHRIANI ZAINUDDIN "
        "HAMDANI",
        "f": "NORMAH MASLIANI NORHAYATI RAHMAH HALIMAH NORJANAH JAMILAH MASITAH RUSMINI NORLIANA "
        "HAMIDAH SARIAH NORSIDAH MAHLIANI RABIATUL",
        "ml": "NOOR ANSHARI RIDHANI FAUZI RAHMAN HIDAYATULLAH SYAHRANI ARIFIN ASNAWI BASUNI "
        "JAIDI FAHMI MAHFUZ",
        "fl": "NOOR ANSHARI RIDHANI FAUZIAH RAHMAN HIDAYATI SYAHRANI ASNAWI HASANAH",
    },
    "DAYAK": {
        "m": "YOHANES PETRUS PAULUS MARKUS STEFANUS YULIUS ANTONIUS BENEDIKTUS FRANSISKUS YOSEF "
        "MIKAEL ANDREAS LUKAS MATIUS SIMON ROBERTUS IGNASIUS KORNELIUS HENDRIKUS LINUS",
        "f": "MARIA YULIANA MAGDALENA MARTHA ELISABETH KRISTINA AGUSTINA ROSALIA VERONIKA "
        "MARSELINA SERLIANA IMELDA SISILIA YOSEFINA",
        "ml": "LUHAT IGAU JALUNG LAWING HUVAT UJANG BILUNG SIGAU NGAU LEDJI ARANG BUAQ HANYE "
        "LAHANG ULAU AJANG BELAWAN HIBAU KILAT LENJAU SAHUNG TINGANG UDAU IBAU BALAN "
        "HUSAT LAING",
        "fl": "LUHAT IGAU JALUNG LAWING HUVAT UJANG BILUNG SIGAU LEDJI ARANG HANYE LAHANG ULAU "
        "AJANG HIBAU LENJAU TINGANG UDAU",
    },
    "KUTAI": {
        "m": "SYAHRANI JAINUDDIN ARBAIN ASMUNI HERMANSYAH FAROEK SOFYAN IMDAD KASMAN RUSLAN "
        "SARIPUDDIN SYAHRUL ZAINUDDIN ISMAIL JUNAIDI BAHRUN MASDAR",
        "f": "NORSIAH RUSMINAH SARIAH MASRIAH ZAITUN SALMAH KAMSIAH JUWITA BIDARA RAHMAH "
        "SITI ASNAH",
        "ml": "SYAHRANI RAHMAN SYARIFUDDIN HUSIN IDRIS MUIS AMIN JAPAR RIVAI KADRIE",
        "fl": "SYAHRANI RAHMAN HUSIN IDRIS MUIS AMIN RIVAI",
    },
    "UMUM": {
        "m": "RIZKI FAJAR ADITYA DIMAS RIZAL ARYA RAFI FAHMI REZA ANDIKA YOGA ILHAM AKBAR "
        "RENDI DANI FIKRI HENDRA ARIF FIRMAN SYAIFUL DENI ERIK FERRY GILANG INDRA JEFRI "
        "KEVIN RIO SANDI TAUFIK YUSUF ZAKI NAUFAL RAIHAN",
        "f": "PUTRI NABILA AULIA SALSABILA ANISA AYU INDAH FITRIA NURUL DEWI RINA WULAN "
        "YULIANA NOVITA MELATI INTAN DIAH AMELIA CITRA DINDA FEBRIANI KHARISMA LAILA MAYA "
        "NADIA RATIH SELVI TIARA WIDYA YUNITA ZAHRA",
        "ml": "PRATAMA SAPUTRA RAMADHAN HIDAYAT FIRMANSYAH KURNIAWAN SETIAWAN MAULANA NUGRAHA "
        "PERDANA WIJAYA SYAHPUTRA HAKIM FAUZAN RAHMAN ALFARIZI",
        "fl": "SAPUTRI LESTARI ANGGRAINI RAHMAWATI PERMATASARI WULANDARI FITRIANI PUSPITASARI "
        "OKTAVIANI SARI NURHALIZA AMALIA HANDAYANI RAMADHANI KARTIKA",
    },
    "TIMUR": {
        "m": "YOHANIS YOSEF ALFONSUS ARNOLDUS GERARDUS MARKUS PETRUS DOMINIKUS FRANS YOAKIM",
        "f": "MARIA FRANSISKA KATARINA THERESIA YUSTINA MARGARETHA AGNES MARIANA",
        "ml": "SERAN BERE NAHAK MANEK TAEK KOLO LAKA TEFA",
        "fl": "SERAN BERE NAHAK MANEK TAEK KOLO LAKA TEFA",
    },
}
# Name prefixes by ethnic group and sex, with their probabilities.
PREFIXES: dict[str, dict[str, dict[str, float]]] = {
    "JAWA": {"m": {"MUHAMMAD": 0.08, "AHMAD": 0.03}, "f": {"SITI": 0.12, "NUR": 0.05}},
    "BUGIS": {"m": {"ANDI": 0.22, "MUHAMMAD": 0.15}, "f": {"SITTI": 0.12, "ANDI": 0.18,
                                                         "NUR": 0.06}},
    "BANJAR": {"m": {"MUHAMMAD": 0.22, "AHMAD": 0.06, "GUSTI": 0.05},
               "f": {"SITI": 0.08, "NOOR": 0.08, "NUR": 0.05}},
    "DAYAK": {"m": {}, "f": {}},
    "KUTAI": {"m": {"AJI": 0.12, "AWANG": 0.08, "MUHAMMAD": 0.12},
              "f": {"DAYANG": 0.15, "AJI": 0.05, "SITI": 0.08}},
    "UMUM": {"m": {"MUHAMMAD": 0.15, "AHMAD": 0.05}, "f": {"SITI": 0.08, "NUR": 0.08}},
    "TIMUR": {"m": {}, "f": {}},
}  # fmt: skip
TITLE_PREFIXES = {"m": ("H.", "DRS.", "IR.", "DR."), "f": ("HJ.", "DRA.", "DR.")}
TITLE_SUFFIXES = (", S.PD", ", S.E.", ", S.T.", ", S.KOM", ", S.H.", ", A.MD")
MUHAMMAD_ABBREVIATIONS = ("MUH.", "MOH.", "M.")


#: Short words that are written together with the next one, or apart (NUR HALIZA /
#: NURHALIZA): a spacing variant of the same name.
JOINED_PREFIXES = ("NUR", "SRI", "DWI", "TRI", "NOOR")
#: Words the slips leave alone (MUHAMMAD's spellings are an abbreviation matter).
NO_SLIP = ("MUHAMMAD",)
#: The contract reads one slip as the same name only in a word of this many letters or
#: more, in both spellings: same-person slips are planted there, shorter words are negatives.
SLIP_MIN_LETTERS = 5

# The error model of docs/demo-data.md: what kind of slip (Damerau 1964, Pollock & Zamora
# 1983: most misspellings are one omission, substitution, insertion or transposition, the
# omission the commonest, a doubled letter the commonest insertion), where (any letter,
# the first more rarely: Yannakoudakis & Fawthrop 1983), and which letter comes in.
SLIP_KINDS = {"deletion": 0.34, "substitution": 0.32, "insertion": 0.2, "transposition": 0.14}
SUBSTITUTED_BY = {"keyboard": 0.5, "sound": 0.3, "any": 0.2}
INSERTED_BY = {"double": 0.45, "keyboard": 0.35, "any": 0.2}
UNDOUBLE_SHARE = 0.5  # of deletions in a word with a doubled letter: one of the two dropped
FIRST_LETTER_WEIGHT = 0.25  # the first letter's chance of a slip, against 1 for any other
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Letters next to each letter on a QWERTY keyboard (its row, and the overlapping keys of
#: the rows above and below).
KEYBOARD = {
    "Q": "WA", "W": "QEAS", "E": "WRSD", "R": "ETDF", "T": "RYFG", "Y": "TUGH", "U": "YIHJ",
    "I": "UOJK", "O": "IPKL", "P": "OL", "A": "QWSZ", "S": "ADWEZX", "D": "SFERXC",
    "F": "DGRTCV", "G": "FHTYVB", "H": "GJYUBN", "J": "HKUINM", "K": "JLIOM", "L": "KOP",
    "Z": "ASX", "X": "ZCSD", "C": "XVDF", "V": "CBFG", "B": "VNGH", "N": "BMHJ", "M": "NJK",
}  # fmt: skip
#: Letters that sound alike in Indonesian names (K/KH is planted as an H added or dropped).
SOUND_GROUPS = ("DT", "FPV", "NM", "KQC", "IY", "EA", "OU", "SZ")
SOUND_ALIKES = {c: g.replace(c, "") for g in SOUND_GROUPS for c in g}


def _pick(rnd: random.Random, weights: dict[str, float]) -> str:
    return rnd.choices(list(weights), list(weights.values()))[0]


def slip(word: str, rnd: random.Random) -> str:
    """One slip of the pen in ``word``, as people make them: a letter written for another
    (a keyboard neighbour, a sound-alike, any letter), a letter added (a key pressed twice,
    a neighbour brushed), a letter dropped (a doubled letter typed once), or two
    neighbours swapped; at any position, the first letter `FIRST_LETTER_WEIGHT` times as
    often as another. May return ``word`` itself (a letter swapped with its twin)."""
    n = len(word)
    pos = rnd.choices(range(n), [FIRST_LETTER_WEIGHT] + [1.0] * (n - 1))[0]
    letter = word[pos]
    kind = _pick(rnd, SLIP_KINDS)
    if kind == "substitution":
        source = _pick(rnd, SUBSTITUTED_BY)
        if source == "sound" and letter == "K" and rnd.random() < 0.3:
            return word[: pos + 1] + "H" + word[pos + 1 :]  # K written KH
        if source == "sound" and letter == "H" and word[pos - 1 : pos] == "K":
            return word[:pos] + word[pos + 1 :]  # KH written K
        options = {"keyboard": KEYBOARD, "sound": SOUND_ALIKES}.get(source, {}).get(letter)
        options = options or ALPHABET.replace(letter, "")
        return word[:pos] + rnd.choice(options) + word[pos + 1 :]
    if kind == "insertion":  # before the letter at pos, or after the last one
        at = pos + (pos == n - 1 and rnd.random() < 0.5)
        beside = word[at - 1] if at > 0 else letter
        source = _pick(rnd, INSERTED_BY)
        extra = {"double": beside, "keyboard": rnd.choice(KEYBOARD[beside])}.get(source)
        return word[:at] + (extra or rnd.choice(ALPHABET)) + word[at:]
    if kind == "deletion":
        doubled = [i for i in range(1, n) if word[i] == word[i - 1]]
        if doubled and rnd.random() < UNDOUBLE_SHARE:
            pos = rnd.choice(doubled)
        return word[:pos] + word[pos + 1 :]
    pos = min(pos, n - 2)  # transposition: the letter and the next one
    return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]


def typo(name: str, rnd: random.Random, tries: int = 20) -> str:
    """``name`` with one slip in one word of `SLIP_MIN_LETTERS` or more that keeps that
    many letters (the longer the word, the likelier the slip: errors come per keystroke),
    one edit from the original as written and in the old-spelling reading. Returns
    ``name`` unchanged where no word qualifies."""
    words = name.split(" ")
    slippable = [
        i
        for i, w in enumerate(words)
        if len(w) >= SLIP_MIN_LETTERS and w.isalpha() and w not in NO_SLIP
    ]
    if not slippable:
        return name
    for _ in range(tries):
        i = rnd.choices(slippable, [len(words[j]) for j in slippable])[0]
        slipped = slip(words[i], rnd)  # one edit, or none (a letter swapped with its twin)
        if len(slipped) < SLIP_MIN_LETTERS or slipped == words[i]:
            continue
        new = " ".join([*words[:i], slipped, *words[i + 1 :]])
        read_new, read_name = read_as_today(new), read_as_today(name)
        if (read_new == new and read_name == name) or edit_distance(read_new, read_name) <= 1:
            return new
    return name


def invalid_nik(nik: str, kind: int, u: float) -> str:
    """A mistyped NIK that can never be valid (so it never names another person)."""
    pos = 2 + int(u * 13)
    if kind == 0:  # a digit lost
        return nik[:pos] + nik[pos + 1 :]
    if kind == 1:  # a digit typed twice
        return nik[:pos] + nik[pos] + nik[pos:]
    if kind == 2:  # a letter for a digit
        return nik[:pos] + "OISB"[int(u * 97) % 4] + nik[pos + 1 :]
    if kind == 3:  # serial 0000
        return nik[:12] + "0000"
    # an impossible date: month 00 or 13, or day 00 / 32-40 (women start at 41)
    if u < 0.5:
        return nik[:8] + ("13" if u < 0.25 else "00") + nik[10:]
    return nik[:6] + ("00" if u < 0.75 else "35") + nik[8:]


def title_variant(name: str, has_title: bool, female: bool, u: float) -> str:
    if has_title:  # the other registration was typed without the title
        bare = name.split(",")[0]
        parts = bare.split(" ")
        if parts[0] in TITLE_PREFIXES["m"] + TITLE_PREFIXES["f"]:
            parts = parts[1:]
        return " ".join(parts)
    if u < 0.5:
        prefixes = TITLE_PREFIXES["f" if female else "m"]
        return f"{prefixes[int(u * 2 * len(prefixes))]} {name}"
    return name + TITLE_SUFFIXES[int((u - 0.5) * 2 * len(TITLE_SUFFIXES))]


def spacing_variant(name: str, u: float, join: bool = True) -> str:
    """Case, spacing or punctuation, gone once names are normalised; with ``join``, also a
    short prefix written together with the next word or apart (NUR HALIZA / NURHALIZA),
    the same name once spaces are removed."""
    if join:
        words = name.split(" ")
        for i, w in enumerate(words[:-1]):
            if w in JOINED_PREFIXES and words[i + 1].isalpha():
                return " ".join([*words[:i], w + words[i + 1], *words[i + 2 :]])
        for i, w in enumerate(words):
            prefix = next((x for x in JOINED_PREFIXES if w.startswith(x)), None)
            if prefix and len(w) >= len(prefix) + 4 and w.isalpha():
                return " ".join([*words[:i], prefix, w[len(prefix) :], *words[i + 1 :]])
    if u < 0.3:
        return name.title()
    if u < 0.45:
        return name.lower()
    if u < 0.8 and " " in name:
        return name.replace(" ", "  ", 1)
    return name + "."


# The contract's normalisation and old-spelling reading, from its words (not from the
# pipeline's SQL): what `Population.separate_blocks` keeps apart between persons, and what
# the planted pairs are measured in. The demo never asks whether two names are "nearly
# the same": it plants slips the way people make them and keeps distinct persons far apart.
HONORIFICS = frozenset(
    [
        "H",
        "HJ",
        "HJH",
        "HAJI",
        "HAJJAH",
        "DR",
        "DRS",
        "DRA",
        "DRG",
        "IR",
        "PROF",
        "KH",
        "USTADZ",
        "USTAZ",
    ]
)
MUHAMMAD_SPELLINGS = frozenset(
    [
        "M",
        "MUH",
        "MUHD",
        "MOH",
        "MOHD",
        "MHD",
        "MOCH",
        "MUCH",
        "MUHAMAD",
        "MUHAMMAD",
        "MUHAMMED",
        "MOHAMMAD",
        "MOHAMAD",
        "MOHAMMED",
        "MOHAMED",
        "MUCHAMMAD",
        "MUCHAMAD",
    ]
)


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


# The contract's old spelling (Ejaan Lama, before 1972), today's letters -> the old ones,
# in an order where no step undoes another; NY becomes NJ only at a word's start.
OLD_SPELLING = (("J", "DJ"), ("C", "TJ"), ("SY", "SJ"), ("KH", "CH"), ("U", "OE"))
#: The contract's reading of an old spelling as today's, in the contract's order.
TODAY_READING = (("OE", "U"), ("DJ", "J"), ("TJ", "C"), ("SJ", "SY"), ("CH", "KH"))


def old_spelling(names: Sequence[str] | pl.Series) -> pl.Series:
    """Upper-case names as a person born before 1972 may still write them (SUHARTO ->
    SOEHARTO, JOKO -> DJOKO, CAHYADI -> TJAHYADI, NYOMAN -> NJOMAN, KHAIRUL -> CHAIROEL)."""
    out = pl.Series(names, dtype=pl.Utf8)
    for today, old in OLD_SPELLING:
        out = out.str.replace_all(today, old, literal=True)
    return out.str.replace_all(r"\bNY", "NJ")


def read_as_today(name: str) -> str:
    """An upper-case name with the old spellings the contract reads as today's."""
    for old, today in TODAY_READING:
        name = name.replace(old, today)
    return re.sub(r"\bNJ", "NY", name)


def today_reading(names: Sequence[str] | pl.Series) -> pl.Series:
    """`read_as_today`, vectorised."""
    out = pl.Series(names, dtype=pl.Utf8)
    for old, today in TODAY_READING:
        out = out.str.replace_all(old, today, literal=True)
    return out.str.replace_all(r"\bNJ", "NY")


#: Edits (over the whole name, spaces removed) that must remain between any row of one
#: person and any row of another of the same block, unless they are a planted pair: two
#: names two edits apart are never one slip apart, nor equal without spaces.
SEPARATION_LEFT = 2


def name_forms(normalised: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """The forms a normalised name is compared in, spaces removed: as written, in the
    old-spelling reading, and in the old spelling (for persons born before 1975)."""
    written, read, old = (
        form.str.replace_all(" ", "", literal=True)
        for form in (normalised, today_reading(normalised), old_spelling(normalised))
    )
    return written, read, old


def separation(a: Sequence[str], b: Sequence[str]) -> int:
    """The fewest edits between any form of one name and any form of the other."""
    return min(edit_distance(x, y) for x in set(a) for y in set(b))


def edit_distances(a: pl.Series, b: pl.Series) -> np.ndarray:
    """`edit_distance` of each pair of upper-case ASCII strings, for many pairs at once:
    one table per pair, filled a cell at a time for all pairs together (numpy)."""
    n = len(a)
    len_a, len_b = a.str.len_bytes().to_numpy(), b.str.len_bytes().to_numpy()
    if n == 0:
        return np.zeros(0, np.int64)
    width_a, width_b = int(len_a.max()), int(len_b.max())

    def letters(text: pl.Series, width: int) -> np.ndarray:
        padded = "".join(text.str.pad_end(width, "_").to_list()).encode("ascii")
        return np.frombuffer(padded, np.uint8).reshape(n, width).T.copy()

    x, y = letters(a, width_a), letters(b, width_b)
    out = len_b.astype(np.int64)  # where a is empty
    prev2 = prev = np.tile(np.arange(width_b + 1, dtype=np.int16), (n, 1)).T
    for i in range(1, width_a + 1):
        cur = np.empty_like(prev)
        cur[0] = i
        for j in range(1, width_b + 1):
            best = np.minimum(prev[j], cur[j - 1]) + 1
            np.minimum(best, prev[j - 1] + (x[i - 1] != y[j - 1]), out=best)
            if i > 1 and j > 1:
                swapped = (x[i - 1] == y[j - 2]) & (x[i - 2] == y[j - 1])
                best = np.where(swapped, np.minimum(best, prev2[j - 2] + 1), best)
            cur[j] = best
        done = len_a == i
        out[done] = cur[len_b[done], np.flatnonzero(done)]
        prev2, prev = prev, cur
    return out


#: Endings that make a man's name a woman's (SUSANTO / SUSANTI, SAPUTRA / SAPUTRI,
#: KURNIAWAN / KURNIAWATI): opposite-sex twins are often named as such a pair.
GENDERED_ENDINGS = (("ANTO", "ANTI"), ("ARTO", "ARTI"), ("TRA", "TRI"), ("TRO", "TRI"),
                    ("WAN", "WATI"))  # fmt: skip


def other_sex_name(name: str, female: bool) -> str | None:
    """``name`` with its last gendered word given the other sex's ending, or None."""
    pairs = [(f, m) for m, f in GENDERED_ENDINGS] if female else GENDERED_ENDINGS
    words = name.split(" ")
    for i in reversed(range(len(words))):
        for own, other in pairs:
            if words[i].endswith(own) and len(words[i]) > len(own) + 1:
                words[i] = words[i][: -len(own)] + other
                return " ".join(words)
    return None


@functools.cache
def close_names(female: bool, shortest: int, longest: int) -> dict[str, tuple[str, ...]]:
    """Names of one sex from the pools, each with the other names one edit away, both of
    ``shortest`` to ``longest`` letters: DENI / DANI, RINA / RINI; ILHAM / IRHAM."""
    sex = "f" if female else "m"
    words = sorted(
        {w for pools in NAMES.values() for key in (sex, sex + "l") for w in pools[key].split()}
    )
    fit = [w for w in words if shortest <= len(w) <= longest]
    close = {w: tuple(v for v in fit if edit_distance(w, v) == 1) for w in fit}
    return {w: near for w, near in close.items() if near}


def pair_name(kind: str, name: str, female: bool, ethnic: int, rnd: random.Random) -> str | None:
    """The name of a person planted beside one named ``name`` (of sex ``female`` and group
    ``ethnic``) as a pair of ``kind`` (`truth.PAIR_KINDS`, namesakes excepted), or None
    where ``name`` lends itself to none."""
    words = name.split(" ")
    new: str | None
    if kind in ("negative_short", "price"):
        short = kind == "negative_short"
        close = (
            close_names(female, 1, SLIP_MIN_LETTERS - 1)
            if short
            else close_names(female, SLIP_MIN_LETTERS, 99)
        )
        options = [i for i, w in enumerate(words) if w in close]
        if not options:
            return None if short else typo(name, rnd)
        i = rnd.choice(options)
        words[i] = rnd.choice(close[words[i]])
        new = " ".join(words)
    elif kind == "negative_two_slips":
        new = typo(typo(name, rnd), rnd)
    elif kind == "negative_sex":
        new = other_sex_name(name, female)
    elif len(words) >= 2 and rnd.random() < 0.5:  # negative_word: one dropped ...
        new = " ".join(words[:-1])
    else:  # ... or one added
        pool = NAMES[ETHNIC[ethnic]]["fl" if female else "ml"].split()
        new = f"{name} {rnd.choice(pool)}"
        if len(set(new.split())) < len(words) + 1:
            return None
    apart = 2 if kind == "negative_two_slips" else 1
    if new is None or separation(spelled(new), spelled(name)) < apart:
        return None
    return new


def spelled(name: str) -> tuple[str, str]:
    """A normalised name without spaces, as written and in the old-spelling reading."""
    return name.replace(" ", ""), read_as_today(name).replace(" ", "")


def letter_counts(names: pl.Series) -> np.ndarray:
    """How often each letter A-Z occurs in each name (uint8: fewer than 256 of any)."""
    return np.column_stack(
        [names.str.count_matches(letter, literal=True).to_numpy() for letter in ALPHABET]
    ).astype(np.uint8)


def normalised_names(nama: pl.Series) -> pl.Series:
    """Names normalised as the contract says: upper case, punctuation and spacing
    collapsed, degrees after a comma and titles dropped, MUHAMMAD's spellings read as one
    (vectorised: millions of rows)."""
    muhammad = {w: "MUHAMMAD" for w in MUHAMMAD_SPELLINGS} | {"ABD": "ABDUL"}
    return (
        nama.str.to_uppercase()
        .str.split(",")
        .list.first()
        .str.replace_all(r"['`]", "")
        .str.replace_all(r"[^A-Z]+", " ")
        .str.strip_chars()
        .str.split(" ")
        .list.eval(
            pl.element()
            .filter((pl.element() != "") & ~pl.element().is_in(list(HONORIFICS)))
            .replace(muhammad)
        )
        .list.join(" ")
    )


class DrawnNames(NamedTuple):
    """Each person's name, and what the variants and the linking safeguards need."""

    bare: pl.Series  # prefix, given name, second name
    base: pl.Series  # as registered: some with a hajj title or a teacher's degree
    has_title: np.ndarray  # bool: base carries a title
    has_muhammad: np.ndarray  # bool: MUHAMMAD is a word of the name


def draw_names(
    rng: np.random.Generator,
    ethnic: np.ndarray,
    female: np.ndarray,
    sector: np.ndarray,
    age: np.ndarray,
) -> DrawnNames:
    """Names from ethnic pools: prefixes (MUHAMMAD, ANDI, SITI...), a given name, and
    mostly a second name; younger people more often carry modern pan-Indonesian names."""
    n = len(age)
    vocab: list[str] = []
    index: dict[str, int] = {}

    def ids(words: Sequence[str]) -> np.ndarray:
        for w in words:
            if w not in index:
                index[w] = len(vocab)
                vocab.append(w)
        return np.array([index[w] for w in words])

    prefix = np.full(n, -1)
    first = np.empty(n, np.int64)
    last = np.full(n, -1)
    modern = rng.random(n) < np.clip((45 - age) / 40, 0.05, 0.7)
    for eth in ETHNIC:
        for sex in ("m", "f"):
            mask = (ethnic == ETHNIC.index(eth)) & (female == (sex == "f"))
            k = int(mask.sum())
            if not k:
                continue
            options = PREFIXES[eth][sex]
            pre = np.full(k, -1)
            if options:
                pre_ids = ids(list(options))
                which = np.searchsorted(
                    np.cumsum(list(options.values())), rng.random(k), side="right"
                )
                pre = np.where(
                    which < len(pre_ids), pre_ids[np.minimum(which, len(pre_ids) - 1)], -1
                )
            own = ids(NAMES[eth][sex].split())
            generic = ids(NAMES["UMUM"][sex].split())
            use_generic = modern[mask] & (eth not in ("DAYAK", "TIMUR"))
            f_ids = np.where(
                use_generic,
                generic[rng.integers(0, len(generic), k)],
                own[rng.integers(0, len(own), k)],
            )
            lasts = ids(NAMES[eth][sex + "l"].split())
            p_last = np.where(pre >= 0, 0.55, 0.85)
            if eth == "JAWA":
                p_last = np.where((pre < 0) & (age[mask] > 45), 0.6, p_last)
            l_ids = np.where(rng.random(k) < p_last, lasts[rng.integers(0, len(lasts), k)], -1)
            l_ids = np.where(l_ids == f_ids, -1, l_ids)
            prefix[mask], first[mask], last[mask] = pre, f_ids, l_ids
    words = pl.Series("w", vocab, dtype=pl.Utf8)

    def gather(idx: np.ndarray) -> pl.Series:
        out = words.gather(np.maximum(idx, 0))
        return pl.select(pl.when(pl.lit(pl.Series(idx >= 0))).then(out)).to_series()

    bare = pl.select(
        pl.concat_str(
            [gather(prefix), gather(first), gather(last)], separator=" ", ignore_nulls=True
        )
    ).to_series()
    # Some carry a title on every registration: hajj (H./HJ.) or a teacher's degree.
    older_muslim = (age >= 45) & ~np.isin(ethnic, [ETHNIC.index("DAYAK"), ETHNIC.index("TIMUR")])
    hajj = older_muslim & (rng.random(n) < 0.08)
    degree = (sector == SECTORS.index("P")) & (rng.random(n) < 0.2) & ~hajj
    base = pl.select(
        pl.when(pl.lit(pl.Series(hajj)))
        .then(pl.lit(pl.Series(np.where(female, "HJ. ", "H. "))) + bare)
        .when(pl.lit(pl.Series(degree)))
        .then(bare + ", S.PD")
        .otherwise(bare)
    ).to_series()
    muhammad = index.get("MUHAMMAD", -2)
    return DrawnNames(
        bare=bare,
        base=base,
        has_title=hajj | degree,
        has_muhammad=(prefix == muhammad) | (first == muhammad),
    )
