-- One round of pairing by name, one to one: a pair is taken when each is the other's best
-- open candidate (the nearest name, then the smallest person_id). The best pair of all is
-- always taken, so every round takes at least one pair until none is left. (A candidate
-- never shares a valid NIK: only the pairs taken by name can have taken its persons.)
INSERT INTO followed_by_name
WITH open AS (
    SELECT * FROM candidate
    WHERE person_id NOT IN (SELECT person_id FROM followed_by_name)
      AND person_id_sebelumnya NOT IN (SELECT person_id_sebelumnya FROM followed_by_name)
),
best_now AS (
    SELECT person_id, person_id_sebelumnya, distance FROM open
    QUALIFY row_number() OVER (
        PARTITION BY person_id ORDER BY distance, person_id_sebelumnya) = 1
),
best_before AS (
    SELECT person_id, person_id_sebelumnya FROM open
    QUALIFY row_number() OVER (
        PARTITION BY person_id_sebelumnya ORDER BY distance, person_id) = 1
)
SELECT person_id, person_id_sebelumnya,
       CASE WHEN distance = 0 THEN 'name_exact' ELSE 'name_similar' END
FROM best_now JOIN best_before USING (person_id, person_id_sebelumnya)
