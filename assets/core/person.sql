-- Active person rule: a person with at least one AKTIF row other than PMI; region, sector
-- and segment come from that kind of row with the latest tanggal_kepesertaan (ties: the
-- smallest kpj). A person whose only AKTIF rows are PMI counts in peserta_pmi alone.
-- One pass over the period's rows, grouped by person. The row that counts is the one with
-- the smallest `latest_first`: its days before 9999-12-31, then its kpj (11 digits, the
-- contract's type rule), as one number.
INSERT INTO core.person
WITH r AS (
    SELECT l.person_id, e.kpj, e.kode_bps, e.kbli, e.segmen, e.nik, e.nik_valid,
           e.status = 'AKTIF' AND e.segmen <> 'PMI' AS counts,
           e.status = 'AKTIF' AND e.segmen = 'PMI' AS aktif_pmi,
           (DATE '9999-12-31' - e.tanggal_kepesertaan) * 100000000000 + e.kpj::BIGINT
               AS latest_first
    FROM staging.enrollment e
    JOIN core.person_link l ON l.kpj = e.kpj
    WHERE e.periode = getvariable('periode') AND l.periode = getvariable('periode')
),
per_person AS (
    SELECT person_id, count(*) AS registrasi, bool_or(counts) AS aktif,
           bool_or(aktif_pmi) AS aktif_pmi,
           arg_min(kpj, latest_first) FILTER (WHERE counts) AS kpj,
           arg_min(kode_bps, latest_first) FILTER (WHERE counts) AS kode_bps,
           arg_min(kbli, latest_first) FILTER (WHERE counts) AS kbli,
           arg_min(segmen, latest_first) FILTER (WHERE counts) AS segmen,
           min(nik) FILTER (WHERE nik_valid) AS nik
    FROM r GROUP BY person_id
)
SELECT getvariable('periode'), person_id, registrasi, aktif, aktif_pmi AND NOT aktif,
       kpj, kode_bps, kbli, segmen, status_pekerjaan_of(segmen), nik
FROM per_person
