-- Rule 3: every accepted registration of the period belongs to exactly one person, named
-- by the person's smallest kpj.
INSERT INTO core.person_link
WITH keyed AS (
    SELECT r.kpj,
           CASE WHEN r.nik_valid THEN 'N' || r.nik
                WHEN s.nik IS NOT NULL THEN 'N' || s.nik
                ELSE 'G' || g.label END AS person_key,
           CASE WHEN r.nik_valid THEN 'nik'
                WHEN m.nik IS NOT NULL THEN m.match_rule
                WHEN s.nik IS NOT NULL THEN 'name_similar'  -- through another NIK-less row
                ELSE 'name_group' END AS match_rule
    FROM registration r
    LEFT JOIN loose_to_nik m ON NOT r.nik_valid AND m.tanggal_lahir = r.tanggal_lahir
         AND m.jenis_kelamin = r.jenis_kelamin AND m.regency = r.regency
         AND m.name_key = r.name_key AND m.alamat = r.alamat
    LEFT JOIN loose_group g ON NOT r.nik_valid AND g.tanggal_lahir = r.tanggal_lahir
         AND g.jenis_kelamin = r.jenis_kelamin AND g.regency = r.regency
         AND g.name_key = r.name_key AND g.alamat = r.alamat
    LEFT JOIN nik_seed s ON s.label = g.label
)
SELECT getvariable('periode'), kpj, min(kpj) OVER (PARTITION BY person_key), match_rule
FROM keyed
