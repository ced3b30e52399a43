-- Person rules 1 and 2 on the accepted registrations of one period (getvariable('periode')).
-- Names are compared only inside blocks of (birth date, sex, regency/city), and there only
-- when they share a pair key (`name_pair_keys`), so the work grows with the rows, not with
-- the square of a block's rows; and only names that can meet another are normalised: those
-- of NIK-less rows and of the NIK rows in their blocks. Leaves:
--   loose_row     the NIK-less rows, with their names;
--   loose_to_nik  NIK-less rows (by name and address) that join a NIK person directly;
--   loose_group   every NIK-less row with a label (nik_seed: the NIK person it joined), and
--                 loose_edge between nearly-same names of a block (spread_labels.sql
--                 joins the others to those persons or into persons of their own).

-- Rule 2: rows without a valid NIK, with their normalised names (each distinct name
-- normalised once: a name is shared by many rows; nama is required, never NULL) ...
CREATE OR REPLACE TEMP TABLE loose_row AS
WITH loose AS (
    SELECT kpj, tanggal_lahir, jenis_kelamin, kode_kemendagri_kabkota AS regency, nama,
           coalesce(alamat, '') AS alamat  -- see loose_to_nik
    FROM staging.enrollment WHERE periode = getvariable('periode') AND NOT nik_valid
),
name AS (SELECT nama, normalise_name(nama) AS name_key FROM (SELECT DISTINCT nama FROM loose))
SELECT l.kpj, l.tanggal_lahir, l.jenis_kelamin, l.regency, n.name_key, l.alamat
FROM loose l JOIN name n USING (nama);

-- ... by distinct name and address per block (name_old: the name's old-spelling reading) ...
CREATE OR REPLACE TEMP TABLE loose_name AS
SELECT *, old_reading(name_key) AS name_old
FROM (SELECT DISTINCT tanggal_lahir, jenis_kelamin, regency, name_key, alamat FROM loose_row);

-- Rule 1: a valid NIK is a person; its names in the blocks of NIK-less rows are what those
-- match (a name in any other block never meets one).
CREATE OR REPLACE TEMP TABLE nik_name AS
WITH nik_row AS (
    SELECT DISTINCT e.tanggal_lahir, e.jenis_kelamin, e.kode_kemendagri_kabkota AS regency,
           e.nama, e.nik
    FROM staging.enrollment e
    SEMI JOIN (SELECT DISTINCT tanggal_lahir, jenis_kelamin, regency FROM loose_name) b
        ON b.tanggal_lahir = e.tanggal_lahir AND b.jenis_kelamin = e.jenis_kelamin
       AND b.regency = e.kode_kemendagri_kabkota
    WHERE e.periode = getvariable('periode') AND e.nik_valid
),
name AS (  -- each distinct name read once (at 5M: 151,461 names for 3.9 M rows)
    SELECT nama, name_key, old_reading(name_key) AS name_old
    FROM (SELECT nama, normalise_name(nama) AS name_key FROM (SELECT DISTINCT nama FROM nik_row))
)
SELECT DISTINCT r.tanggal_lahir, r.jenis_kelamin, r.regency, n.name_key, r.nik, n.name_old
FROM nik_row r JOIN name n USING (nama);

-- The pair keys of each name of loose_name and nik_name (name_pair_keys), once per name.
CREATE OR REPLACE TEMP TABLE name_keys AS
SELECT name_key, name_pair_keys_as_read(name_key, name_old) AS pair_keys
FROM (SELECT name_key, name_old FROM loose_name UNION SELECT name_key, name_old FROM nik_name);

-- ... join the NIK person with the same or the nearest name, so that one NIK-less row can
-- never bridge two different valid NIKs. Several NIK persons at the nearest distance
-- (namesakes): the one with a row at the same address, else the smallest person_id.
CREATE OR REPLACE TEMP TABLE loose_to_nik AS
WITH loose_key AS (  -- each name of a block once, under each of its pair keys
    SELECT *, unnest(pair_keys) AS pair_key
    FROM (SELECT DISTINCT tanggal_lahir, jenis_kelamin, regency, name_key, name_old
          FROM loose_name)
    JOIN name_keys USING (name_key)
),
nik_key AS (  -- each NIK person's name of a block, under each of its pair keys
    SELECT *, unnest(pair_keys) AS pair_key FROM nik_name JOIN name_keys USING (name_key)
),
candidate AS (  -- the NIK persons of a block whose names are nearly the same: they share a key
    SELECT p.tanggal_lahir, p.jenis_kelamin, p.regency, p.loose_name AS name_key, r.alamat,
           p.nik, min(p.distance) AS distance
    FROM (SELECT *, name_distance_as_read(loose_name, loose_old, nik_name, nik_old) AS distance
          FROM (SELECT DISTINCT l.tanggal_lahir, l.jenis_kelamin, l.regency,
                       l.name_key AS loose_name, l.name_old AS loose_old,
                       n.name_key AS nik_name, n.name_old AS nik_old, n.nik
                FROM loose_key l
                JOIN nik_key n USING (tanggal_lahir, jenis_kelamin, regency, pair_key))
          WHERE names_nearly_same_as_read(loose_name, loose_old, nik_name, nik_old)) p
    JOIN loose_name r ON r.tanggal_lahir = p.tanggal_lahir AND r.jenis_kelamin = p.jenis_kelamin
                     AND r.regency = p.regency AND r.name_key = p.loose_name
    GROUP BY ALL
),
candidate_row AS (  -- the rows of the candidate NIK persons only (a few): cheap
    SELECT nik, kpj, alamat FROM staging.enrollment
    WHERE periode = getvariable('periode') AND nik_valid AND nik IN (SELECT nik FROM candidate)
),
candidate_person AS (SELECT nik, min(kpj) AS person_id FROM candidate_row GROUP BY nik),
nearest AS (
    SELECT *, count(*) OVER loose AS tied
    FROM candidate JOIN candidate_person USING (nik)
    WINDOW loose AS (PARTITION BY tanggal_lahir, jenis_kelamin, regency, name_key, alamat)
    QUALIFY distance = min(distance) OVER loose
),
tied_address AS (  -- the addresses of the tied NIK persons
    SELECT DISTINCT nik, address_key(alamat) AS address FROM candidate_row
    WHERE nik IN (SELECT nik FROM nearest WHERE tied > 1)
),
same_address AS (
    SELECT DISTINCT n.tanggal_lahir, n.jenis_kelamin, n.regency, n.name_key, n.alamat, n.nik
    FROM nearest n
    JOIN tied_address a ON a.nik = n.nik AND a.address = address_key(n.alamat)
    WHERE n.tied > 1
)
SELECT n.tanggal_lahir, n.jenis_kelamin, n.regency, n.name_key, n.alamat, n.nik, n.person_id,
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
FROM (SELECT DISTINCT nik, person_id FROM loose_to_nik);

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
WITH keyed AS (
    SELECT gid, tanggal_lahir, jenis_kelamin, regency, unnest(pair_keys) AS pair_key
    FROM loose_group JOIN name_keys USING (name_key)
),
e AS (
    SELECT p.a, p.b
    FROM (SELECT DISTINCT a.gid AS a, b.gid AS b
          FROM keyed a
          JOIN keyed b ON b.tanggal_lahir = a.tanggal_lahir AND b.jenis_kelamin = a.jenis_kelamin
                      AND b.regency = a.regency AND b.pair_key = a.pair_key AND a.gid < b.gid) p
    JOIN loose_group a ON a.gid = p.a
    JOIN loose_group b ON b.gid = p.b
    WHERE names_nearly_same_as_read(a.name_key, a.name_old, b.name_key, b.name_old)
)
SELECT a AS node, b AS neighbour FROM e UNION ALL SELECT b, a FROM e;
