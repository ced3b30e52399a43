-- The flow and trend columns of one mart for one period (getvariable('periode')): the
-- period compared with its previous published period (core.previous_period), person by
-- person (core.person_continuity). Every column is NULL where there is no previous period.
--   peserta_aktif_sebelumnya  active in the cell then;
--   peserta_baru              active in the cell now, and not the continuation of someone
--                             active in the same cell then;
--   peserta_berhenti          active in the cell then, and not continued by someone active
--                             in the same cell now.
-- A person who stays is counted in neither; one who moves cells is berhenti in the old cell
-- and baru in the new one (in the province, a move inside it is neither). Because a person
-- continues at most one person and is continued at most once, sebelumnya + baru - berhenti
-- = peserta_aktif in every cell (checked, not assumed: baru and berhenti are counted apart).
-- Slots: the mart's table, its dimensions as lists, and the conditions that put two rows
-- in the same cell (`true` for the province).
UPDATE {{ table }} AS m SET
    periode_sebelumnya = c.periode_sebelumnya,
    peserta_aktif_sebelumnya = c.sebelumnya,
    peserta_baru = c.baru,
    peserta_berhenti = c.berhenti,
    cakupan_persen_sebelumnya = c.cakupan_sebelumnya,
    perubahan_poin = m.cakupan_persen - c.cakupan_sebelumnya
FROM (
    WITH previous AS (
        SELECT max(periode_sebelumnya) AS periode_sebelumnya
        FROM core.previous_period WHERE periode = getvariable('periode')
    ),
    now AS (
        SELECT person_id {{ person_dimensions }} FROM core.person
        WHERE periode = getvariable('periode') AND aktif
    ),
    before AS (
        SELECT person_id {{ person_dimensions }} FROM core.person
        WHERE periode = (SELECT periode_sebelumnya FROM previous) AND aktif
    ),
    stay AS (
        SELECT n.person_id, k.person_id_sebelumnya
        FROM now n
        JOIN core.person_continuity k ON k.periode = getvariable('periode')
         AND k.person_id = n.person_id
        JOIN before b ON b.person_id = k.person_id_sebelumnya AND {{ same_cell_nb }}
    ),
    sebelumnya AS (
        SELECT {{ dimensions_select }} count(*) AS n FROM before {{ group_by }}
    ),
    baru AS (
        SELECT {{ dimensions_select }} count(*) AS n FROM now
        WHERE person_id NOT IN (SELECT person_id FROM stay) {{ group_by }}
    ),
    berhenti AS (
        SELECT {{ dimensions_select }} count(*) AS n FROM before
        WHERE person_id NOT IN (SELECT person_id_sebelumnya FROM stay) {{ group_by }}
    ),
    previous_mart AS (
        SELECT * FROM {{ table }} WHERE periode = (SELECT periode_sebelumnya FROM previous)
    )
    SELECT m0.periode, {{ dimensions_m0 }} p.periode_sebelumnya,
           CASE WHEN p.periode_sebelumnya IS NOT NULL THEN coalesce(s.n, 0) END AS sebelumnya,
           CASE WHEN p.periode_sebelumnya IS NOT NULL THEN coalesce(a.n, 0) END AS baru,
           CASE WHEN p.periode_sebelumnya IS NOT NULL THEN coalesce(h.n, 0) END AS berhenti,
           pm.cakupan_persen AS cakupan_sebelumnya
    FROM {{ table }} m0
    CROSS JOIN previous p
    LEFT JOIN sebelumnya s ON {{ same_cell_s }}
    LEFT JOIN baru a ON {{ same_cell_a }}
    LEFT JOIN berhenti h ON {{ same_cell_h }}
    LEFT JOIN previous_mart pm ON {{ same_cell_pm }}
    WHERE m0.periode = getvariable('periode')
) c
WHERE m.periode = c.periode AND {{ same_cell_mc }};
