"""The enrollment rows as the BPJS source system writes them.

Why: the pipeline reads text, not arrays, and must cope with what real extracts contain:
NIKs mistyped or missing, names with the planted variants, addresses in the styles of
cities, upriver villages and housing estates, domicile codes of districts or regencies,
employers (npp) only for wage earners, and a few values with stray spaces or in lower
case. The text of every registration is built once; each period then takes its rows
from it with that period's status.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from contract.row_rules import ENROLLMENT_COLUMNS
from tools.demo_data.arrays import date_strings, nullable
from tools.demo_data.model import BPU, JAKON, PU, SECTORS, SEGMENTS
from tools.demo_data.names import (
    HONORIFICS,
    MUHAMMAD_ABBREVIATIONS,
    MUHAMMAD_SPELLINGS,
    invalid_nik,
    nearly_same,
    spacing_variant,
    title_variant,
    typo,
)
from tools.demo_data.population import NAMESAKE, Population


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
    # a person stay one variant apart, as the contract's rule reads them.
    base = p["base_name"].gather(pid)
    varied = np.flatnonzero(g["var_title"] | g["var_muh"] | g["var_typo"] | g["var_space"])
    has_typo = np.zeros(n, bool)
    has_typo[pid[g["var_typo"]]] = True
    bare = p["bare_name"].gather(pid[varied]).to_list()
    names = base.gather(varied).to_list()
    u1, u2, u3 = rng.random(len(varied)), rng.random(len(varied)), rng.random(len(varied))
    out = []
    for j, i in enumerate(varied):
        who = pid[i]
        name = names[j]
        if g["var_typo"][i]:
            slip = typo(bare[j], u1[j], u2[j])
            g["var_typo"][i] = slip != bare[j]
            name = name.replace(bare[j], slip, 1)
        if g["var_muh"][i]:
            name = name.replace("MUHAMMAD", MUHAMMAD_ABBREVIATIONS[int(u3[j] * 3)], 1)
        if g["var_title"][i]:
            name = title_variant(name, bool(p["has_title"][who]), bool(p["female"][who]), u3[j])
        if g["var_space"][i]:
            name = spacing_variant(name, u1[j] * 0.7 + u2[j] * 0.3, join=not has_typo[who])
        out.append(name)
    nama = base.scatter(varied, out) if len(varied) else base
    pop.settled_persons = settle_name_blocks(pop, nama)

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
    rural_codes = ["6407", "6411", "6401", "6409", "6402"]
    rural = np.isin(p["region"], [pop.kemendagri.index(c) for c in rural_codes])
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


def normalised_names(nama: pl.Series) -> pl.Series:
    """`names.normalise`, vectorised (millions of rows)."""
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


def settle_name_blocks(pop: Population, nama: pl.Series) -> int:
    """Where the contract's rule would have to guess, the demo gives the persons their NIK.

    A row without a valid NIK whose name is the same or nearly the same (`nearly_same`) as
    a row of another person with the same birth date and regency (in any period: movers
    count in both regencies) could belong to either: the contract joins it to one, and a
    real register would too. The demo keeps its truth decidable: both persons then carry
    their valid NIK on every row. Planted namesakes are decidable by address and stay.
    Returns how many persons were given their NIK. Works one regency at a time, on hashes
    of the name's shape, so that five million persons fit in memory."""
    p, g = pop.persons, pop.regs
    pid = g["pid"]
    keys = normalised_names(nama)
    words = keys.str.split(" ")
    rows = pl.DataFrame(
        {
            "row": np.arange(len(pid)),
            "pid": pid,
            "dob": p["dob"][pid],
            "region": p["region"][pid].astype(np.int16),
            "nikless": g["nik_kind"] > 0,
            "flat": keys.str.replace_all(" ", "").hash(),
            "first": words.list.first().hash(),
            "last": words.list.last().hash(),
            "n": keys.str.len_chars().cast(pl.Int16),
            "spaces": (words.list.len() - 1).cast(pl.Int16),
        }
    )
    moved = p["move_at"][pid] >= 0
    others = pl.concat(
        [
            rows,
            rows.filter(pl.Series(moved)).with_columns(
                region=pl.Series(p["region_after"][pid[moved]].astype(np.int16))
            ),
        ]
    )
    loose = rows.filter(pl.col("nikless"))
    same_shape = (pl.col("flat") == pl.col("flat_o")) | (
        (pl.col("spaces") == pl.col("spaces_o"))
        & ((pl.col("n") - pl.col("n_o")).abs() <= 1)
        & (
            (pl.col("first") == pl.col("first_o"))
            | (pl.col("last") == pl.col("last_o"))
            | (pl.col("spaces") == 0)
        )
    )
    found = []
    for region in range(len(pop.kemendagri)):
        found.append(
            loose.filter(pl.col("region") == region)
            .join(others.filter(pl.col("region") == region), on=["dob", "region"], suffix="_o")
            .filter((pl.col("pid") != pl.col("pid_o")) & same_shape)
            .select("pid", "pid_o", "row", "row_o")
        )
    pairs = pl.concat(found).sort("row", "row_o")
    key_list = keys.to_list()
    partner = p["partner"]
    unsure: set[int] = set()
    for a, b, row_a, row_b in pairs.iter_rows():
        if partner[a] == b and p["planted"][a] == NAMESAKE:
            continue
        if nearly_same(key_list[row_a], key_list[row_b]):
            unsure.update((a, b))
    if unsure:
        who = np.isin(pid, np.fromiter(unsure, np.int64))
        g["nik_kind"][who] = 0
    return len(unsure)


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
