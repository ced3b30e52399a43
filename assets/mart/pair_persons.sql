-- The persons of one period (getvariable('periode')) paired with those of its previous
-- published period (core.previous_period): each active person now beside the person they
-- continue (core.person_continuity) if that one was active then, one to one, and each active
-- person then that no active person now continues. The pairs are counted in cells of every
-- dimension a flow mart cuts by (`now_` and `then_` prefixed; is_now / was: the pair has
-- an active person now / then), so that the persons are paired once per period and each
-- flow mart sums these cells into its own (compare.sql). The counts are exact: the persons
-- of one row share every value compare.sql reads of them.
-- Slots: the dimensions as lists (plain, and `now_` / `then_` prefixed).
CREATE OR REPLACE TEMP TABLE paired_persons AS
WITH previous AS (
    SELECT max(periode_sebelumnya) AS periode_sebelumnya
    FROM core.previous_period WHERE periode = getvariable('periode')
),
now AS (
    SELECT p.person_id, {{ person_dimensions }}, k.person_id_sebelumnya
    FROM core.person p
    LEFT JOIN core.person_continuity k ON k.periode = p.periode AND k.person_id = p.person_id
    WHERE p.periode = getvariable('periode') AND p.aktif
),
before AS (
    SELECT person_id, {{ person_dimensions }} FROM core.person
    WHERE periode = (SELECT periode_sebelumnya FROM previous) AND aktif
)
SELECT {{ now_dimensions }}, {{ then_dimensions }},
       n.person_id IS NOT NULL AS is_now, b.person_id IS NOT NULL AS was, count(*) AS persons
FROM now n FULL OUTER JOIN before b ON b.person_id = n.person_id_sebelumnya
GROUP BY ALL;
