-- Person rules 1 and 2 on the accepted registrations of one period (getvariable('periode')).
-- Names are compared only inside blocks of (birth date, regency/city), so the work grows
-- with the rows, not with their square. Leaves:
--   loose_to_nik  NIK-less names that join a NIK person (rule 2), with how they matched;
--   loose_group   the other NIK-less names, each with a label, and loose_edge between
--                 nearly-same names of a block (spread_labels.sql joins them into persons).

CREATE OR REPLACE TEMP TABLE registration AS
SELECT kpj, nik, nik_valid, tanggal_lahir, kode_kemendagri_kabkota AS regency,
       normalise_name(nama) AS name_key
FROM staging.enrollment WHERE periode = getvariable('periode');

-- Rule 1: a valid NIK is a person; its names in each block are what others match.
CREATE OR REPLACE TEMP TABLE nik_name AS
SELECT DISTINCT tanggal_lahir, regency, name_key, nik FROM registration WHERE nik_valid;

-- Rule 2: rows without a valid NIK, by distinct name per block ...
CREATE OR REPLACE TEMP TABLE loose_name AS
SELECT DISTINCT tanggal_lahir, regency, name_key FROM registration WHERE NOT nik_valid;

-- ... join the NIK person with the same or the nearest name (ties: the smallest NIK), so
-- one NIK-less row can never bridge two different valid NIKs ...
CREATE OR REPLACE TEMP TABLE loose_to_nik AS
WITH candidate AS (
    SELECT l.tanggal_lahir, l.regency, l.name_key, n.nik,
           CASE WHEN l.name_key = n.name_key THEN 0
                ELSE damerau_levenshtein(l.name_key, n.name_key) END AS distance
    FROM loose_name l
    JOIN nik_name n ON n.tanggal_lahir = l.tanggal_lahir AND n.regency = l.regency
    WHERE names_nearly_same(l.name_key, n.name_key)
)
SELECT tanggal_lahir, regency, name_key, nik,
       CASE WHEN distance = 0 THEN 'name_exact' ELSE 'name_similar' END AS match_rule
FROM candidate
QUALIFY row_number() OVER (
    PARTITION BY tanggal_lahir, regency, name_key ORDER BY distance, nik) = 1;

-- ... or else form persons among themselves: connected names in the block.
CREATE OR REPLACE TEMP TABLE loose_group AS
SELECT *, gid AS label
FROM (
    SELECT *, row_number() OVER (ORDER BY tanggal_lahir, regency, name_key) AS gid
    FROM loose_name l
    WHERE NOT EXISTS (
        SELECT 1 FROM loose_to_nik m
        WHERE m.tanggal_lahir = l.tanggal_lahir AND m.regency = l.regency
          AND m.name_key = l.name_key)
);

CREATE OR REPLACE TEMP TABLE loose_edge AS
WITH e AS (
    SELECT a.gid AS a, b.gid AS b
    FROM loose_group a
    JOIN loose_group b ON b.tanggal_lahir = a.tanggal_lahir AND b.regency = a.regency
                      AND a.gid < b.gid
    WHERE names_nearly_same(a.name_key, b.name_key)
)
SELECT a AS node, b AS neighbour FROM e UNION ALL SELECT b, a FROM e;
