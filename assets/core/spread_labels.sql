-- One round of label propagation: each NIK-less name takes the smallest label of its
-- nearly-same neighbours. Repeated until no label changes, every connected group of names
-- in a block carries one label: one person (rule 2, "otherwise a person of its own").
UPDATE loose_group SET label = s.label
FROM (SELECT e.node, min(g.label) AS label
      FROM loose_edge e JOIN loose_group g ON g.gid = e.neighbour
      GROUP BY e.node) s
WHERE loose_group.gid = s.node AND s.label < loose_group.label
