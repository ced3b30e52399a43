"""Names as BPJS registers them, and the variants that make one person look like several.

Why: person linking is the hard part of the pipeline (one person, several kpj numbers,
each typed by a different officer), so the demo must carry the names of Kalimantan
Timur's workers (Javanese, Bugis, Banjar, Dayak, Kutai and eastern-Indonesian names with
their prefixes and honorifics) and exactly the variants the contract's linking rule has
to undo: a title added or dropped, MUHAMMAD abbreviated, one typing slip, case and
spacing, and NIKs mistyped so that they can never be valid.
"""

from __future__ import annotations

import functools
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


VOWELS = "AEIOU"
#: Short words that are written together with the next one, or apart (NUR HALIZA /
#: NURHALIZA): a spacing variant of the same name.
JOINED_PREFIXES = ("NUR", "SRI", "DWI", "TRI", "NOOR")
#: Words the slips leave alone (MUHAMMAD's spellings are an abbreviation matter).
NO_SLIP = ("MUHAMMAD",)
SLIP_MIN_LETTERS = 6  # the shortest word a slip is typed in


def typo(name: str, u: float, v: float) -> str:
    """One slip of the pen in one word of 6+ letters, keeping the word's first and last
    letter, of the kinds a clerk makes when copying a name: I/Y at the end, a doubled
    letter typed once, a vowel for another, a letter typed twice, a letter dropped, two
    neighbours swapped, S for Z. The result is always a `word_slip` of the original; the
    name is returned unchanged where no word qualifies."""
    tokens = name.split(" ")
    cands = [
        i
        for i, t in enumerate(tokens)
        if len(t) >= SLIP_MIN_LETTERS and t.isalpha() and t not in NO_SLIP
    ]
    if not cands:
        return name
    t_i = cands[-1] if v < 0.6 else cands[int(u * len(cands))]
    tok = tokens[t_i]
    n = len(tok)
    inner = range(1, n - 1)  # neither the first nor the last letter
    kind = int(u * 7000) % 7
    pos = int(v * 1000)
    doubles = [i for i in inner if tok[i] == tok[i - 1]]
    vowels = [i for i in inner if tok[i] in VOWELS]
    swaps = [i for i in range(1, n - 2) if tok[i] != tok[i + 1]]
    sz = [i for i in inner if tok[i] in "SZ"]
    if kind == 0 and tok[-1] in "IY":
        slip = tok[:-1] + ("Y" if tok[-1] == "I" else "I")
    elif kind == 1 and doubles:
        i = doubles[pos % len(doubles)]
        slip = tok[:i] + tok[i + 1 :]
    elif kind == 3:
        i = 1 + pos % (n - 1)
        slip = tok[:i] + tok[i] + tok[i:]
    elif kind == 4:
        i = 1 + pos % (n - 2)
        slip = tok[:i] + tok[i + 1 :]
    elif kind == 5 and swaps:
        i = swaps[pos % len(swaps)]
        slip = tok[:i] + tok[i + 1] + tok[i] + tok[i + 2 :]
    elif kind == 6 and sz:
        i = sz[pos % len(sz)]
        slip = tok[:i] + ("Z" if tok[i] == "S" else "S") + tok[i + 1 :]
    elif vowels:
        i = vowels[pos % len(vowels)]
        other = VOWELS.replace(tok[i], "")
        slip = tok[:i] + other[pos % len(other)] + tok[i + 1 :]
    else:
        return name
    if not word_slip(tok, slip):
        return name
    tokens[t_i] = slip
    return " ".join(tokens)


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


# What the demo's world calls the same name: written independently of the contract's SQL
# macros (contract/macros.sql), so that the benchmark measures the pipeline's rule against
# it instead of against itself. Different persons' names never meet this relation where
# the contract would have to guess (records.py gives those persons their NIK).
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


def normalise(name: str) -> str:
    """Case, punctuation, spacing, degrees after a comma, honorifics, MUHAMMAD, ABDUL."""
    text = re.sub(r"['`]", "", name.upper().split(",")[0])
    words = [w for w in re.sub(r"[^A-Z]+", " ", text).split() if w not in HONORIFICS]
    return " ".join(
        "MUHAMMAD" if w in MUHAMMAD_SPELLINGS else "ABDUL" if w == "ABD" else w for w in words
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


def word_slip(x: str, y: str) -> bool:
    """One slip in a word of 5+ letters that keeps its first and last letter (or ends in
    I/Y both): a letter dropped or added, neighbours swapped, a vowel for a vowel, I/Y, S/Z."""
    if min(len(x), len(y)) < 5 or x[0] != y[0] or edit_distance(x, y) != 1:
        return False
    if x[-1] != y[-1] and not (len(x) == len(y) and {x[-1], y[-1]} <= {"I", "Y"}):
        return False
    if len(x) != len(y):
        return True
    diff = [(a, b) for a, b in zip(x, y, strict=True) if a != b]
    if len(diff) == 2:
        return True  # neighbours swapped (the distance is 1)
    ((a, b),) = diff
    return {a, b} <= set(VOWELS) or {a, b} in ({"I", "Y"}, {"S", "Z"})


@functools.cache
def close_given_names(female: bool) -> dict[str, tuple[str, ...]]:
    """Given names one or two letters from another given name of the same sex (HADI /
    BUDI, DENI / DANI, ILHAM / IRHAM, SUSANTO / SUSANTI) that are not a slip of it: the
    names a string distance confuses, planted as negatives."""
    sex = "f" if female else "m"
    words = sorted({w for pools in NAMES.values() for w in pools[sex].split()})
    return {
        w: tuple(
            v
            for v in words
            if v != w
            and abs(len(v) - len(w)) <= 2
            and edit_distance(w, v) <= 2
            and not word_slip(w, v)
        )
        for w in words
    }


def nearly_same(a: str, b: str) -> bool:
    """Normalised names: equal, equal without spaces, or one word a `word_slip`."""
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return True
    wa, wb = a.split(" "), b.split(" ")
    if len(wa) != len(wb):
        return False
    diff = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
    return len(diff) == 1 and word_slip(*diff[0])


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
