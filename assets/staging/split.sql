-- raw_rows (every row of a national snapshot, as read) -> one Parquet folder per province,
-- in one pass: province=<kode>/ under the split folder, every raw column kept (file_order,
-- file, line: the original file and line, for rejects and row conservation).
--
-- A row goes to the province of its domicile code's first two digits (the Kemendagri
-- province, after the contract's cleaning) when the deployment covers it. Every other row
-- (another province's, or a code that is missing or names no province) goes to the
-- deployment's first province, whose staging sets it aside (outside_deployment) or rejects
-- it (unknown_code, missing_required) as a one-province deployment does: each row is
-- judged exactly once. Rows sharing a kpj follow the first of them (file, then line
-- order), so that duplicate_key still sees the whole snapshot.
--
-- kpj_rank: the row's kpj's place in the snapshot's kpjs (in the order persons compare
-- them): what crosses provinces when two provinces count the same person, instead of
-- the kpj (assets/core/placement.py).
CREATE OR REPLACE TEMP TABLE routed AS
WITH cleaned AS (
    SELECT file_order, line, {{ cleaned }} FROM raw_rows
),
own AS (
    SELECT file_order, line, kpj,
           CASE WHEN left(kode_wilayah, 2) IN {{ provinces }} THEN left(kode_wilayah, 2)
                ELSE {{ first_province }} END AS own_province
    FROM cleaned
)
SELECT file_order, line,
       CASE WHEN kpj IS NULL THEN own_province
            ELSE first_value(own_province) OVER (
                PARTITION BY kpj ORDER BY file_order, line) END AS province,
       dense_rank() OVER (ORDER BY kpj) AS kpj_rank
FROM own;

COPY (
    SELECT r.*, o.province, o.kpj_rank FROM raw_rows r JOIN routed o USING (file_order, line)
    ORDER BY r.file_order, r.line
) TO '{{ folder }}' (FORMAT parquet, PARTITION_BY (province));
