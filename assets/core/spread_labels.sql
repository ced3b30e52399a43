-- One round of label propagation: each NIK-less name that did not join a NIK person directly
-- takes the smallest label of its nearly-same neighbours. Repeated until no label changes:
-- a group connected to a NIK person's rows carries its label (the smallest, if several),
-- every other connected group of names in a block one label of its own: one person.
UPDATE loose_group SET label = s.label
FROM (SELECT e.node, min(g.label) AS label
      FROM loose_edge e JOIN loose_group g ON g.gid = e.neighbour
      GROUP BY e.node) s
WHERE loose_group.gid = s.node AND NOT loose_group.fixed AND s.label < loose_group.label
