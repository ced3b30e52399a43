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
-- Reads the period's persons paired in cells (pair_persons.sql, made just before).
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
    -- Each active person now beside the person they continue if that one was active then
    -- (one to one), and each active person then not continued by an active one now, in the
    -- cells of every flow mart's dimensions (pair_persons.sql).
    paired AS (
        SELECT *, is_now AND was AND {{ same_cell }} AS stays FROM paired_persons
    ),
    counted_now AS (
        SELECT {{ now_dimensions_as_cell }} sum(persons) FILTER (NOT stays)::BIGINT AS baru
        FROM paired WHERE is_now {{ group_by_now }}
    ),
    counted_then AS (
        SELECT {{ then_dimensions_as_cell }} sum(persons)::BIGINT AS sebelumnya,
               sum(persons) FILTER (NOT stays)::BIGINT AS berhenti
        FROM paired WHERE was {{ group_by_then }}
    ),
    previous_mart AS (
        SELECT * FROM {{ table }} WHERE periode = (SELECT periode_sebelumnya FROM previous)
    )
    SELECT m0.periode, {{ dimensions_m0 }} p.periode_sebelumnya,
           CASE WHEN p.periode_sebelumnya IS NOT NULL THEN coalesce(t.sebelumnya, 0) END
               AS sebelumnya,
           CASE WHEN p.periode_sebelumnya IS NOT NULL THEN coalesce(a.baru, 0) END AS baru,
           CASE WHEN p.periode_sebelumnya IS NOT NULL THEN coalesce(t.berhenti, 0) END
               AS berhenti,
           pm.cakupan_persen AS cakupan_sebelumnya
    FROM {{ table }} m0
    CROSS JOIN previous p
    LEFT JOIN counted_now a ON {{ same_cell_a }}
    LEFT JOIN counted_then t ON {{ same_cell_t }}
    LEFT JOIN previous_mart pm ON {{ same_cell_pm }}
    WHERE m0.periode = getvariable('periode')
) c
WHERE m.periode = c.periode AND {{ same_cell_mc }};
