-- raw_rows -> judged_rows: every row read, cleaned, typed, and the list of the contract's
-- rules it breaks (contract/row_rules.py fills the slots; `rules` empty = accepted).
--
-- duplicate_key: among rows with the same unique key, the first row in file-name, then
-- line order that breaks no other rule is accepted; each later row breaks duplicate_key.
-- (row_order = file_order * 10^10 + line keeps that order in one number.)
CREATE OR REPLACE TEMP TABLE judged_rows AS
WITH cleaned AS (
    SELECT file_order, file, line,
           file_order::BIGINT * 10000000000 + line AS row_order,
           struct_pack({{ original }}) AS original,
           {{ cleaned }}
    FROM raw_rows
),
typed AS (SELECT *, {{ typed }} FROM cleaned),
judged AS (SELECT *, {{ broken_rules }} AS broken FROM typed)
SELECT * EXCLUDE (broken),
       CASE WHEN row_order > min(CASE WHEN len(broken) = 0 THEN row_order END)
                             OVER (PARTITION BY {{ unique_key }})
            THEN list_append(broken, 'duplicate_key')
            ELSE broken END AS rules
FROM judged
