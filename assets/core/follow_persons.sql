-- Persons across periods (contract, additions of 2026-11-28): which person of the previous
-- published period (getvariable('periode_sebelumnya')) each person of this period
-- (getvariable('periode')) continues. Leaves:
--   followed   the pairs decided so far: first every shared valid NIK;
--   candidate  the pairs that may still match by name, with how near their names are
--              (follow_round.sql then pairs them off, nearest first, one to one).

-- The two periods' rows with their persons. `now` tells the periods apart: a person_id
-- (the smallest kpj) may be the same in both.
CREATE OR REPLACE TEMP TABLE side AS
SELECT l.periode = getvariable('periode') AS now, l.person_id, e.nik, e.nik_valid,
       e.tanggal_lahir, e.kode_kemendagri_kabkota AS regency, e.nama
FROM core.person_link l
JOIN staging.enrollment e ON e.periode = l.periode AND e.kpj = l.kpj
WHERE l.periode IN (getvariable('periode'), getvariable('periode_sebelumnya'));

-- A person's valid NIK (person rule 1: at most one).
CREATE OR REPLACE TEMP TABLE person_nik AS
SELECT now, person_id, min(nik) AS nik FROM side WHERE nik_valid GROUP BY ALL;

-- A shared valid NIK: the same person, before any name is looked at.
CREATE OR REPLACE TEMP TABLE followed AS
SELECT a.person_id, b.person_id AS person_id_sebelumnya, 'nik' AS match_rule
FROM person_nik a JOIN person_nik b ON b.nik = a.nik AND NOT b.now
WHERE a.now;

-- Otherwise a row of each with the same birth date, the same regency/city and the same or
-- nearly the same name (person rule 2), at least one of the two without a valid NIK. Two
-- persons with different valid NIKs never continue each other (person rule 1), so one of
-- the two persons has no valid NIK at all, and every pair of their rows qualifies.
CREATE OR REPLACE TEMP TABLE candidate AS
WITH open_now AS (
    SELECT DISTINCT s.person_id, s.tanggal_lahir, s.regency, normalise_name(s.nama) AS name_key,
           n.nik IS NOT NULL AS has_nik
    FROM side s LEFT JOIN person_nik n USING (now, person_id)
    WHERE s.now AND s.person_id NOT IN (SELECT person_id FROM followed)
),
open_before AS (
    SELECT DISTINCT s.person_id, s.tanggal_lahir, s.regency, normalise_name(s.nama) AS name_key,
           n.nik IS NOT NULL AS has_nik
    FROM side s LEFT JOIN person_nik n USING (now, person_id)
    WHERE NOT s.now AND s.person_id NOT IN (SELECT person_id_sebelumnya FROM followed)
)
SELECT a.person_id, b.person_id AS person_id_sebelumnya,
       min(name_distance(a.name_key, b.name_key)) AS distance
FROM open_now a
JOIN open_before b ON b.tanggal_lahir = a.tanggal_lahir AND b.regency = a.regency
WHERE NOT (a.has_nik AND b.has_nik) AND names_nearly_same(a.name_key, b.name_key)
GROUP BY ALL;
