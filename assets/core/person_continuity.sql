-- Every person of the period, and the person of the previous period it continues (NULL:
-- none, or no previous period).
INSERT INTO core.person_continuity
SELECT getvariable('periode'), p.person_id, getvariable('periode_sebelumnya'),
       f.person_id_sebelumnya, f.match_rule
FROM core.person p
LEFT JOIN (SELECT * FROM followed UNION ALL SELECT * FROM followed_by_name) f
     ON getvariable('periode_sebelumnya') IS NOT NULL AND f.person_id = p.person_id
WHERE p.periode = getvariable('periode')
