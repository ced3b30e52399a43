-- Persons across periods (contract, additions of 2026-11-28): which person of the previous
-- published period (getvariable('periode_sebelumnya')) each person of this period
-- (getvariable('periode')) continues. Leaves:
--   followed          the pairs that share a valid NIK;
--   candidate         the pairs that may still match by name, with how near their names are
--                     (follow_round.sql then pairs them off, nearest first, one to one,
--   followed_by_name  into this one).

-- A shared valid NIK (core.person.nik, at most one per person): the same person, before
-- any name is looked at.
CREATE OR REPLACE TEMP TABLE followed AS
SELECT a.person_id, b.person_id AS person_id_sebelumnya, 'nik' AS match_rule
FROM core.person a
JOIN core.person b ON b.periode = getvariable('periode_sebelumnya') AND b.nik = a.nik
WHERE a.periode = getvariable('periode');

-- The rows of the persons left on either side, with their names. `now` tells the periods
-- apart: a person_id (the smallest kpj) may be the same in both. The few open persons are
-- found first and only their rows joined to the staged rows (each distinct name read once).
CREATE OR REPLACE TEMP TABLE open_row AS
WITH open_person AS MATERIALIZED (
    SELECT periode, person_id, nik IS NOT NULL AS has_nik FROM core.person p
    WHERE periode = getvariable('periode')
      AND NOT EXISTS (SELECT 1 FROM followed f WHERE f.person_id = p.person_id)
    UNION ALL
    SELECT periode, person_id, nik IS NOT NULL FROM core.person p
    WHERE periode = getvariable('periode_sebelumnya')
      AND NOT EXISTS (SELECT 1 FROM followed f WHERE f.person_id_sebelumnya = p.person_id)
),
open_link AS MATERIALIZED (
    SELECT o.periode, o.person_id, o.has_nik, l.kpj
    FROM open_person o
    JOIN core.person_link l ON l.periode = o.periode AND l.person_id = o.person_id
    WHERE l.periode IN (getvariable('periode'), getvariable('periode_sebelumnya'))
),
open_name AS (
    SELECT DISTINCT o.periode = getvariable('periode') AS now, o.person_id, o.has_nik,
           e.tanggal_lahir, e.jenis_kelamin, e.kode_kemendagri_kabkota AS regency, e.nama
    FROM open_link o
    JOIN staging.enrollment e ON e.periode = o.periode AND e.kpj = o.kpj
    WHERE e.periode IN (getvariable('periode'), getvariable('periode_sebelumnya'))
),
name AS (  -- the name's old-spelling reading beside it
    SELECT nama, name_key, old_reading(name_key) AS name_old
    FROM (SELECT nama, normalise_name(nama) AS name_key FROM (SELECT DISTINCT nama FROM open_name))
)
SELECT DISTINCT now, person_id, has_nik, tanggal_lahir, jenis_kelamin, regency, name_key,
       name_old
FROM open_name JOIN name USING (nama);

-- Otherwise a row of each with the same birth date, the same sex, the same regency/city and
-- the same or nearly the same name (person rule 2), at least one of the two without a valid NIK. Two
-- persons with different valid NIKs never continue each other (person rule 1), so one of
-- the two persons has no valid NIK at all, and every pair of their rows qualifies.
CREATE OR REPLACE TEMP TABLE candidate AS
SELECT a.person_id, b.person_id AS person_id_sebelumnya,
       min(name_distance_as_read(a.name_key, a.name_old, b.name_key, b.name_old)) AS distance
FROM open_row a
JOIN open_row b ON NOT b.now AND b.tanggal_lahir = a.tanggal_lahir
                AND b.jenis_kelamin = a.jenis_kelamin AND b.regency = a.regency
WHERE a.now AND NOT (a.has_nik AND b.has_nik)
  AND names_nearly_same_as_read(a.name_key, a.name_old, b.name_key, b.name_old)
GROUP BY ALL;

-- The pairs taken by name, round by round (follow_round.sql).
CREATE OR REPLACE TEMP TABLE followed_by_name AS SELECT * FROM followed LIMIT 0;
