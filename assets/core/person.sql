-- Active person rule: a person with at least one AKTIF row other than PMI; region, sector
-- and segment come from that kind of row with the latest tanggal_kepesertaan (ties: the
-- smallest kpj). A person whose only AKTIF rows are PMI counts in peserta_pmi alone.
INSERT INTO core.person
WITH r AS (
    SELECT e.*, l.person_id
    FROM staging.enrollment e
    JOIN core.person_link l ON l.periode = e.periode AND l.kpj = e.kpj
    WHERE e.periode = getvariable('periode')
),
counted AS (
    SELECT person_id, kpj, kode_bps, kbli, segmen FROM r
    WHERE status = 'AKTIF' AND segmen <> 'PMI'
    QUALIFY row_number() OVER (
        PARTITION BY person_id ORDER BY tanggal_kepesertaan DESC, kpj) = 1
),
per_person AS (
    SELECT person_id, count(*) AS registrasi,
           bool_or(status = 'AKTIF' AND segmen <> 'PMI') AS aktif,
           bool_or(status = 'AKTIF' AND segmen = 'PMI') AS aktif_pmi,
           min(nik) FILTER (WHERE nik_valid) AS nik
    FROM r GROUP BY person_id
)
SELECT getvariable('periode'), p.person_id, p.registrasi, p.aktif, p.aktif_pmi AND NOT p.aktif,
       c.kpj, c.kode_bps, c.kbli, c.segmen, status_pekerjaan_of(c.segmen), p.nik
FROM per_person p LEFT JOIN counted c USING (person_id)
