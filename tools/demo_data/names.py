"""Names as BPJS registers them, and the variants that make one person look like several.

Why: person linking is the hard part of the pipeline (one person, several kpj numbers,
each typed by a different officer), so the demo must carry the names of Kalimantan
Timur's workers (Javanese, Bugis, Banjar, Dayak, Kutai and eastern-Indonesian names with
their prefixes and honorifics) and exactly the variants the contract's linking rule has
to undo: a title added or dropped, MUHAMMAD abbreviated, one typing slip, case and
spacing, and NIKs mistyped so that they can never be valid.
"""

from __future__ import annotations

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


def typo(name: str, u: float, v: float) -> str:
    """One realistic spelling slip (exactly one edit) inside a name word of 4+ letters,
    never in MUHAMMAD (its spellings are an abbreviation matter): I/Y at the end, a
    doubled letter dropped, a vowel swapped, or a letter typed twice."""
    tokens = name.split(" ")
    cands = [i for i, t in enumerate(tokens) if len(t) >= 4 and t.isalpha() and t != "MUHAMMAD"]
    if not cands:
        return name
    t_i = cands[-1] if v < 0.6 else cands[int(u * len(cands))]
    tok = tokens[t_i]
    doubles = [i for i in range(2, len(tok)) if tok[i] == tok[i - 1]]
    vowels = [i for i in range(1, len(tok)) if tok[i] in "AEIOU"]
    if tok[-1] in "IY" and u < 0.4:
        tok = tok[:-1] + ("Y" if tok[-1] == "I" else "I")
    elif doubles and u < 0.6:
        i = doubles[int(v * len(doubles))]
        tok = tok[:i] + tok[i + 1 :]
    elif vowels and u < 0.85:
        i = vowels[int(v * len(vowels))]
        tok = tok[:i] + {"A": "E", "E": "A", "I": "E", "O": "U", "U": "O"}[tok[i]] + tok[i + 1 :]
    else:
        i = 1 + int(v * (len(tok) - 1))
        tok = tok[:i] + tok[i] + tok[i:]
    tokens[t_i] = tok
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


def spacing_variant(name: str, u: float) -> str:
    """Case, spacing or punctuation: gone once names are normalised."""
    if u < 0.3:
        return name.title()
    if u < 0.45:
        return name.lower()
    if u < 0.8 and " " in name:
        return name.replace(" ", "  ", 1)
    return name + "."


class DrawnNames(NamedTuple):
    """Each person's name, and what the variants and the linking safeguards need."""

    bare: pl.Series  # prefix, given name, second name
    base: pl.Series  # as registered: some with a hajj title or a teacher's degree
    has_title: np.ndarray  # bool: base carries a title
    tok_first: np.ndarray  # vocabulary id of the first word
    tok_last: np.ndarray  # vocabulary id of the last word
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
        tok_first=np.where(prefix >= 0, prefix, first),
        tok_last=np.where(last >= 0, last, first),
        has_muhammad=(prefix == muhammad) | (first == muhammad),
    )
