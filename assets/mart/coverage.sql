-- One coverage mart for one period (getvariable('periode')), replacing the period's rows.
-- Every mart is the same computation on a different grid: the grid's cells (all regions,
-- sectors, combinations, statuses: a cell with nobody in it is a row of zeros, not a gap),
-- the employed persons of the period's Sakernas year summed into them, the active persons
-- counted into them, then the contract's formulas (contract/macros.sql).
-- Slots: the mart's table and columns, its grid (one row per cell) and its dimensions.
INSERT INTO {{ table }} ({{ columns }})
WITH labour_year AS (
    SELECT tahun FROM staging.period_labour_year WHERE periode = getvariable('periode')
),
labour AS (
    SELECT {{ dimensions_select }} sum(jumlah_pekerja)::BIGINT AS pekerja
    FROM staging.labour WHERE tahun = (SELECT tahun FROM labour_year)
    {{ group_by }}
),
active AS (
    SELECT {{ dimensions_select }} count(*) AS peserta_aktif
    FROM core.person WHERE periode = getvariable('periode') AND aktif
    {{ group_by }}
),
cells AS (
    SELECT g.*, l.pekerja, coalesce(a.peserta_aktif, 0) AS peserta_aktif
    FROM ({{ grid }}) g
    LEFT JOIN labour l {{ join_on }}
    LEFT JOIN active a {{ join_on }}
),
final AS (
    SELECT getvariable('periode') AS periode, *,
           cakupan_persen(peserta_aktif, pekerja) AS cakupan_persen,
           belum_terlindungi(pekerja, peserta_aktif) AS belum_terlindungi,
           coalesce(cakupan_persen(peserta_aktif, pekerja) > 100, false) AS cakupan_di_atas_100,
           belum_terlindungi(pekerja, peserta_aktif) * getvariable('bpu_minimum_rp')
               AS iuran_minimum_bulanan_rp,
           (SELECT count(*) FROM core.person WHERE periode = getvariable('periode') AND pmi_saja)
               AS peserta_pmi,
           (SELECT tahun FROM labour_year) AS tahun_pekerja
    FROM cells
)
SELECT {{ columns }} FROM final ORDER BY {{ order_by }}
