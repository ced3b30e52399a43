-- Rule 3: every accepted registration of the period belongs to exactly one person, named
-- by the person's smallest kpj. A person is a valid NIK (with the NIK-less rows that joined
-- it) or a label of NIK-less rows only ('G' and the label: never a NIK).
INSERT INTO core.person_link
WITH keyed AS (
    SELECT kpj, nik AS person_key, 'nik' AS match_rule
    FROM staging.enrollment WHERE periode = getvariable('periode') AND nik_valid
    UNION ALL
    SELECT r.kpj, coalesce(s.nik, 'G' || g.label),
           CASE WHEN m.nik IS NOT NULL THEN m.match_rule
                WHEN s.nik IS NOT NULL THEN 'name_similar'  -- through another NIK-less row
                ELSE 'name_group' END
    FROM loose_row r
    JOIN loose_group g USING (tanggal_lahir, jenis_kelamin, regency, name_key, alamat)
    LEFT JOIN loose_to_nik m USING (tanggal_lahir, jenis_kelamin, regency, name_key, alamat)
    LEFT JOIN nik_seed s ON s.label = g.label
)
SELECT getvariable('periode'), kpj, min(kpj) OVER (PARTITION BY person_key), match_rule
FROM keyed
