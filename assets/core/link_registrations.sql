-- Person rules 1 and 2 on the accepted registrations of one period (getvariable('periode')).
-- Names are compared only inside blocks of (birth date, sex, regency/city), so the work grows
-- with the rows, not with their square. Leaves:
--   loose_to_nik  NIK-less rows (by name and address) that join a NIK person directly;
--   loose_group   every NIK-less row with a label (nik_seed: the NIK person it joined), and
--                 loose_edge between nearly-same names of a block (spread_labels.sql
--                 joins the others to those persons or into persons of their own).

CREATE OR REPLACE TEMP TABLE registration AS
SELECT kpj, nik, nik_valid, tanggal_lahir, jenis_kelamin, kode_kemendagri_kabkota AS regency,
       normalise_name(nama) AS name_key,
       CASE WHEN NOT nik_valid THEN coalesce(alamat, '') END AS alamat  -- see loose_to_nik
FROM staging.enrollment WHERE periode = getvariable('periode');

-- Rule 1: a valid NIK is a person (person_id: its smallest kpj); its names in each block
-- are what others match.
CREATE OR REPLACE TEMP TABLE nik_name AS
SELECT DISTINCT tanggal_lahir, jenis_kelamin, regency, name_key, nik,
       min(kpj) OVER (PARTITION BY nik) AS person_id
FROM registration WHERE nik_valid;

-- Rule 2: rows without a valid NIK, by distinct name and address per block ...
CREATE OR REPLACE TEMP TABLE loose_name AS
SELECT DISTINCT tanggal_lahir, jenis_kelamin, regency, name_key, alamat
FROM registration WHERE NOT nik_valid;

-- ... join the NIK person with the same or the nearest name, so that one NIK-less row can
-- never bridge two different valid NIKs. Several NIK persons at the nearest distance
-- (namesakes): the one with a row at the same address, else the smallest person_id.
CREATE OR REPLACE TEMP TABLE loose_to_nik AS
WITH candidate AS (
    SELECT l.tanggal_lahir, l.jenis_kelamin, l.regency, l.name_key, l.alamat, n.nik, n.person_id,
           min(name_distance(l.name_key, n.name_key)) AS distance
    FROM loose_name l
    JOIN nik_name n ON n.tanggal_lahir = l.tanggal_lahir AND n.jenis_kelamin = l.jenis_kelamin
                   AND n.regency = l.regency
    WHERE names_nearly_same(l.name_key, n.name_key)
    GROUP BY ALL
),
nearest AS (
    SELECT *, count(*) OVER loose AS tied
    FROM candidate
    WINDOW loose AS (PARTITION BY tanggal_lahir, jenis_kelamin, regency, name_key, alamat)
    QUALIFY distance = min(distance) OVER loose
),
tied_address AS (  -- the addresses of the tied NIK persons only (a few): cheap
    SELECT DISTINCT nik, address_key(alamat) AS address
    FROM staging.enrollment
    WHERE periode = getvariable('periode') AND nik_valid
      AND nik IN (SELECT nik FROM nearest WHERE tied > 1)
),
same_address AS (
    SELECT DISTINCT n.tanggal_lahir, n.jenis_kelamin, n.regency, n.name_key, n.alamat, n.nik
    FROM nearest n
    JOIN tied_address a ON a.nik = n.nik AND a.address = address_key(n.alamat)
    WHERE n.tied > 1
)
SELECT n.tanggal_lahir, n.jenis_kelamin, n.regency, n.name_key, n.alamat, n.nik,
       CASE WHEN n.distance = 0 THEN 'name_exact' ELSE 'name_similar' END AS match_rule
FROM nearest n
LEFT JOIN same_address s USING (tanggal_lahir, jenis_kelamin, regency, name_key, alamat, nik)
QUALIFY row_number() OVER (
    PARTITION BY n.tanggal_lahir, n.jenis_kelamin, n.regency, n.name_key, n.alamat
    ORDER BY s.nik IS NULL, n.person_id) = 1;

-- ... or else join the person of a NIK-less row with a nearly-same name in the block:
-- a NIK person that row joined (rule 2: "the person that has a row" with such a name), or a
-- person of NIK-less rows only. The rows that joined a NIK person directly keep it (fixed
-- labels 1..K, in person_id order); spread_labels.sql carries labels along nearly-same
-- names, so a group that reaches two NIK persons only through NIK-less rows joins the one
-- with the smaller person_id.
CREATE OR REPLACE TEMP TABLE nik_seed AS
SELECT nik, person_id, row_number() OVER (ORDER BY person_id) AS label
FROM (SELECT DISTINCT nik, person_id FROM nik_name
      WHERE nik IN (SELECT nik FROM loose_to_nik));

CREATE OR REPLACE TEMP TABLE loose_group AS
SELECT l.*, s.label IS NOT NULL AS fixed,
       coalesce(s.label, (SELECT count(*) FROM nik_seed) + l.gid) AS label
FROM (
    SELECT *,
           row_number() OVER (ORDER BY tanggal_lahir, jenis_kelamin, regency, name_key, alamat)
               AS gid
    FROM loose_name
) l
LEFT JOIN loose_to_nik m USING (tanggal_lahir, jenis_kelamin, regency, name_key, alamat)
LEFT JOIN nik_seed s ON s.nik = m.nik;

CREATE OR REPLACE TEMP TABLE loose_edge AS
WITH e AS (
    SELECT a.gid AS a, b.gid AS b
    FROM loose_group a
    JOIN loose_group b ON b.tanggal_lahir = a.tanggal_lahir AND b.jenis_kelamin = a.jenis_kelamin
                      AND b.regency = a.regency AND a.gid < b.gid
    WHERE names_nearly_same(a.name_key, b.name_key)
)
SELECT a AS node, b AS neighbour FROM e UNION ALL SELECT b, a FROM e;
