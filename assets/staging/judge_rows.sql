-- {{ rows }} (raw rows: file_order, file, line and the columns as read) -> judged rows:
-- cleaned, typed, row_order, and `broken`, the list of the contract's rules the row breaks
-- but duplicate_key (contract/row_rules.py fills the slots; see later_duplicates.sql).
-- A query, not a statement: staging judges every row once on its way into the staged
-- table, and again only the few rows it did not accept, to name their rules.
-- (row_order = file_order * 10^10 + line keeps file-name, then line order in one number.)
WITH cleaned AS (
    SELECT file_order, file, line,
           file_order::BIGINT * 10000000000 + line AS row_order,
           {{ cleaned }}
    FROM {{ rows }}
),
typed AS (SELECT *, {{ typed }} FROM cleaned)
SELECT *, {{ broken_rules }} AS broken FROM typed
