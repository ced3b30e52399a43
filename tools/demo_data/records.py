"""The enrollment rows as the BPJS source system writes them.

Why: the pipeline reads text, not arrays, and must cope with what real extracts contain:
NIKs mistyped or missing, names with the planted variants, addresses in the styles of
cities, upriver villages and housing estates, domicile codes of districts or regencies,
employers (npp) only for wage earners, and a few values with stray spaces or in lower
case. The text of every registration is built once; each period then takes its rows
from it with that period's status.
"""

from __future__ import annotations

import random

import numpy as np
import polars as pl

from contract.row_rules import ENROLLMENT_COLUMNS
from tools.demo_data.arrays import date_strings, nullable, to_day
from tools.demo_data.model import BPU, JAKON, PU, SECTORS, SEGMENTS
from tools.demo_data.names import (
    MUHAMMAD_ABBREVIATIONS,
    invalid_nik,
    old_spelling,
    spacing_variant,
    title_variant,
    today_reading,
    typo,
)
from tools.demo_data.population import NAMESAKE, NOT_PLANTED, OLD_SPELLING_BEFORE, Population

#: Extra registrations of a person born before `OLD_SPELLING_BEFORE` written in the old
#: spelling (where the name has one).
OLD_SPELLING_RATE = 0.3


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


# Address words: city streets, housing estates, and village names for upriver regencies.
STREETS = _split(
    "JL. JENDERAL SUDIRMAN|JL. AHMAD YANI|JL. P. ANTASARI|JL. M.T. HARYONO|JL. PRANGAT|"
    "JL. JUANDA|JL. D.I. PANJAITAN|JL. SLAMET RIYADI|JL. KH. WAHID HASYIM|JL. BHAYANGKARA|"
    "JL. PERJUANGAN|JL. MULAWARMAN|JL. SULTAN ALIMUDDIN|JL. SYARIFUDDIN YOES|"
    "JL. SOEKARNO HATTA|JL. GAJAH MADA|JL. DIPONEGORO|JL. PANGERAN SURYANATA|"
    "JL. KADRIE OENING|JL. AW. SYAHRANIE|JL. BUNG TOMO|JL. CENDRAWASIH|JL. MERDEKA|"
    "JL. PADAT KARYA|JL. POROS SAMARINDA-BONTANG|JL. POROS BALIKPAPAN-SAMARINDA|"
    "JL. RA. KARTINI|JL. IMAM BONJOL|JL. KESUMA BANGSA|JL. LOA BAKUNG|JL. PEMUDA|"
    "JL. PASUNDAN|JL. TRIKORA|JL. GATOT SUBROTO|JL. MELATI|JL. KENANGA|JL. ANGGREK|"
    "JL. DAMAI|JL. SEPINGGAN|JL. PELABUHAN|JL. PUPUK RAYA|JL. TANJUNG LAUT|JL. YOS SUDARSO"
)
HOUSING = _split(
    'PERUM "GRIYA PERMATA"|PERUM BUKIT MAKMUR|PERUM "BALIKPAPAN BARU"|PERUM PESONA MAHAKAM|'
    "PERUMNAS BUMI SEMPAJA|KOMPLEK PKT|PERUM GRAHA INDAH"
)
VILLAGE_WORDS = (
    _split("KAMPUNG|DESA|DUSUN"),
    _split("LONG|SUNGAI|MUARA|TANJUNG|BATU|LOA|TELUK|SEPARI|SIDOMULYO|SUKARAJA"),
    _split("BAGUN|PAHANGAI|ULU|ILIR|MAKMUR|JAYA|BARU|INDAH|LESTARI|HARAPAN"),
)


def registration_text(pop: Population, rng: np.random.Generator) -> pl.DataFrame:
    """The enrollment columns of every registration (status excepted: it changes by
    period). Drops the population's columns that only served the text."""
    p, g = pop.persons, pop.regs
    pid, r = g["pid"], len(g["pid"])
    n = len(p["dob"])

    # Names with the variants planted on extra registrations. A person with a slip on one
    # row keeps the words of the others as they are (no joined prefix): every two rows of
    # a person stay one variant apart, as the contract's rule reads them. The old spelling
    # goes on an extra row of a person born before 1975, never with a slip or MUHAMMAD
    # abbreviated on the same row.
    base = p["base_name"].gather(pid)
    born_old = p["dob"] < to_day(f"{OLD_SPELLING_BEFORE}-01-01")
    g["var_old"] = (
        (g["ordinal"] > 0)
        & ~g["var_typo"]
        & ~g["var_muh"]
        & born_old[pid]
        & (p["planted"][pid] == NOT_PLANTED)
        & (rng.random(r) < OLD_SPELLING_RATE)
    )
    varied = np.flatnonzero(
        g["var_title"] | g["var_muh"] | g["var_typo"] | g["var_space"] | g["var_old"]
    )
    has_typo = np.zeros(n, bool)
    has_typo[pid[g["var_typo"]]] = True
    bare_series = p["bare_name"].gather(pid[varied])
    old = old_spelling(bare_series)
    same_reading = today_reading(old) == today_reading(bare_series)
    g["var_old"][varied] &= (old != bare_series).to_numpy() & same_reading.to_numpy()
    bare, old_bare = bare_series.to_list(), old.to_list()
    names = base.gather(varied).to_list()
    u = rng.random(len(varied))
    rnd = random.Random(int(rng.integers(2**62)))
    out = []
    for j, i in enumerate(varied):
        who = pid[i]
        name = names[j]
        if g["var_typo"][i]:
            slipped = typo(bare[j], rnd)
            g["var_typo"][i] = slipped != bare[j]
            name = name.replace(bare[j], slipped, 1)
        if g["var_old"][i]:
            name = name.replace(bare[j], old_bare[j], 1)
        if g["var_muh"][i]:
            name = name.replace("MUHAMMAD", MUHAMMAD_ABBREVIATIONS[int(u[j] * 3)], 1)
        if g["var_title"][i]:
            name = title_variant(name, bool(p["has_title"][who]), bool(p["female"][who]), u[j])
        if g["var_space"][i]:
            name = spacing_variant(name, rnd.random(), join=not has_typo[who])
        out.append(name)
    nama = base.scatter(varied, out) if len(varied) else base

    # NIK per row: the person's, mistyped on the rows planted with an invalid one.
    nik = p["nik"][pid].astype("<U17")
    inv = np.flatnonzero(g["nik_kind"] == 2)
    kinds, us = rng.integers(0, 5, len(inv)), rng.random(len(inv))
    nik[inv] = [
        invalid_nik(nik[i], int(k), float(x)) for i, k, x in zip(inv, kinds, us, strict=True)
    ]
    g["nik_text"] = nik
    g["nama"] = nama

    # Address: street, number, RT, district; villages upriver; a few housing estates.
    kec = pl.Series(p["district"]).replace_strict(pop.kaltim.district_names).str.to_uppercase()
    street = pl.Series(STREETS).gather(rng.integers(0, len(STREETS), n))
    housing = pl.Series(HOUSING).gather(rng.integers(0, len(HOUSING), n))
    village = (
        pl.Series(VILLAGE_WORDS[0]).gather(rng.integers(0, 3, n))
        + " "
        + pl.Series(VILLAGE_WORDS[1]).gather(rng.integers(0, 10, n))
        + " "
        + pl.Series(VILLAGE_WORDS[2]).gather(rng.integers(0, 10, n))
    )
    no = pl.Series(rng.integers(1, 250, n)).cast(pl.Utf8)
    rt = pl.Series(rng.integers(1, 60, n)).cast(pl.Utf8).str.zfill(3)
    blok = pl.Series(list("ABCDEFGH")).gather(rng.integers(0, 8, n))
    rural = np.isin(p["region"], [pop.kemendagri.index(c) for c in pop.kaltim.rural_codes])
    form = rng.random(n)
    alamat_person = pl.select(
        pl.when(pl.lit(pl.Series(rural & (form < 0.5))))
        .then(village + " RT. " + rt)
        .when(pl.lit(pl.Series(form < 0.06)))
        .then(housing + " BLOK " + blok + no)
        .when(pl.lit(pl.Series(form < 0.55)))
        .then(street + " NO. " + no + ", RT. " + rt)
        .otherwise(street + " GG. " + no.str.slice(0, 1) + " NO. " + rt.str.slice(1))
        + ", KEC. "
        + kec
    ).to_series()
    alamat_person = separate_namesakes(pop, alamat_person)

    # Domicile code: 6-digit district or 4-digit regency, per registration.
    six = rng.random(r) < 0.6
    regency = np.array(pop.kemendagri, dtype=np.int64)[p["region"]]
    kode = np.where(six, p["district"][pid], regency[pid])
    # Movers: the domicile their registrations carry from the period of the move on.
    regency_after = np.array(pop.kemendagri, dtype=np.int64)[p["region_after"]]
    g["kode_after"] = np.where(six, p["district_after"][pid], regency_after[pid]).astype(str)
    u = rng.random(r)
    seg = g["seg"]
    program = np.select(
        [seg == PU, seg == BPU, seg == JAKON],
        [
            np.select([u < 0.7, u < 0.9], ["JKK;JKM;JHT;JP", "JKK;JKM;JHT;JP;JKP"], "JKK;JKM;JHT"),
            np.where(u < 0.75, "JKK;JKM", "JKK;JKM;JHT"),
            "JKK;JKM",
        ],
        np.where(u < 0.6, "JKK;JKM;JHT", "JKK;JKM"),
    )
    # Employers (npp) per region, a few large ones and many small ones.
    share = pop.labour_share.sum(axis=(1, 2))
    per_region = np.maximum(5, np.round(share * max(pop.n0, 1000) / 12)).astype(np.int64)
    offsets = np.r_[0, np.cumsum(per_region)[:-1]]
    employers = rng.choice(90_000_000, size=int(per_region.sum()), replace=False) + 10_000_000
    reg_region = p["region"][pid]
    emp = offsets[reg_region] + np.floor(per_region[reg_region] * rng.random(r) ** 2.5).astype(
        np.int64
    )
    npp = nullable(employers[emp].astype(str), (seg != PU) & (seg != JAKON))
    text = pl.DataFrame(
        {
            "kpj": g["kpj"].astype(str),
            "nik": nullable(g["nik_text"], g["nik_kind"] == 1),
            "nama": g["nama"],
            "tanggal_lahir": date_strings(p["dob"]).gather(pid),
            "jenis_kelamin": np.where(p["female"][pid], "P", "L"),
            "alamat": alamat_person.gather(pid),
            "kode_wilayah": kode.astype(str),
            "segmen": np.array(SEGMENTS)[seg],
            "kbli": np.array(SECTORS)[g["sector"]],
            "program": program,
            "tanggal_kepesertaan": date_strings(g["date"]),
            "npp": npp,
        }
    )
    # Text is built: drop what only served it (keeps 1 M persons well under 3 GB).
    for key in (
        "bare_name",
        "base_name",
        "nik",
        "district",
        "nik_district",
        "eth",
    ):
        del p[key]
    for key in ("nik_text", "nama"):
        del g[key]
    return text


def period_rows(
    text: pl.DataFrame, pop: Population, k: int, rng: np.random.Generator
) -> tuple[pl.DataFrame, int]:
    """Period ``k``'s valid rows (movers with their new domicile), a few written untidily
    (spaces, lower case), and how many of those untidy rows there are (the rows the
    pipeline must clean)."""
    g = pop.regs
    mask = g["present"][:, k]
    move_at = pop.persons["move_at"][g["pid"]]
    moved = (move_at >= 0) & (move_at <= k)
    rows = text.filter(pl.Series(mask)).with_columns(
        status=pl.Series(np.where(g["aktif"][mask, k], "AKTIF", "NONAKTIF")),
        kode_wilayah=pl.when(pl.lit(pl.Series(moved[mask])))
        .then(pl.lit(pl.Series(g["kode_after"][mask])))
        .otherwise(pl.col("kode_wilayah")),
    )
    n = rows.height
    kind = np.where(rng.random(n) < 0.006, rng.integers(0, 8, n), -1)

    def sel(i: int) -> pl.Expr:
        return pl.lit(pl.Series(kind == i))

    c = pl.col
    rows = rows.with_columns(
        segmen=pl.when(sel(0)).then(c("segmen").str.to_lowercase()).otherwise(c("segmen")),
        status=pl.when(sel(1))
        .then(" " + c("status").str.to_lowercase() + " ")
        .otherwise(c("status")),
        jenis_kelamin=pl.when(sel(2))
        .then(" " + c("jenis_kelamin").str.to_lowercase() + " ")
        .otherwise(c("jenis_kelamin")),
        program=pl.when(sel(3)).then(c("program").str.to_lowercase()).otherwise(c("program")),
        kode_wilayah=pl.when(sel(4))
        .then(" " + c("kode_wilayah") + " ")
        .otherwise(c("kode_wilayah")),
        kbli=pl.when(sel(5)).then(c("kbli").str.to_lowercase()).otherwise(c("kbli")),
        nama=pl.when(sel(6)).then("  " + c("nama") + " ").otherwise(c("nama")),
        tanggal_lahir=pl.when(sel(7)).then(" " + c("tanggal_lahir")).otherwise(c("tanggal_lahir")),
    )
    return rows.select(*ENROLLMENT_COLUMNS), int((kind >= 0).sum())


def separate_namesakes(pop: Population, alamat: pl.Series) -> pl.Series:
    """Planted namesakes live at different addresses (the tie-break between them)."""
    p = pop.persons
    first = np.flatnonzero((p["planted"] == NAMESAKE) & (p["partner"] > np.arange(len(p["dob"]))))
    if not len(first):
        return alamat
    second = p["partner"][first]
    a, b = alamat.gather(first), alamat.gather(second)

    def key(x: pl.Series) -> pl.Series:
        return x.str.to_uppercase().str.replace_all(r"[^A-Z0-9]+", " ").str.strip_chars()

    same = (key(a) == key(b)).to_numpy()
    if not same.any():
        return alamat
    return alamat.scatter(second[same], b.filter(pl.Series(same)) + " BLOK A")
