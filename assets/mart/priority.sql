-- mart.coverage_priority for one period (getvariable('periode')), replacing its rows.
-- Every regency/city x priority group is a row, zeros included. A group (contract/priority.py,
-- the {{ groups }} slot) names a KBLI section, a status or both; a Sakernas cell or an active
-- person is in it when every part it names matches. Groups overlap: a worker can be in two.
-- Costs: belum_terlindungi x the BPU minimum contribution a month, 12 x that a year, and
-- x the JKM death benefit (settings: getvariable('bpu_minimum_rp'), ('jkm_death_benefit_rp')).
INSERT INTO {{ table }} ({{ columns }})
WITH labour_year AS (
    SELECT tahun FROM staging.period_labour_year WHERE periode = getvariable('periode')
),
priority_group AS (
    SELECT * FROM (VALUES {{ groups }}) g(kelompok, nama_kelompok, kbli, status_pekerjaan)
),
labour AS (
    SELECT l.kode_wilayah, g.kelompok, sum(l.jumlah_pekerja)::BIGINT AS pekerja
    FROM staging.labour l
    JOIN priority_group g
      ON (g.kbli IS NULL OR g.kbli = l.kbli)
     AND (g.status_pekerjaan IS NULL OR g.status_pekerjaan = l.status_pekerjaan)
    WHERE l.tahun = (SELECT tahun FROM labour_year)
    GROUP BY l.kode_wilayah, g.kelompok
),
active AS (
    SELECT p.kode_wilayah, g.kelompok, count(*) AS peserta_aktif
    FROM core.person p
    JOIN priority_group g
      ON (g.kbli IS NULL OR g.kbli = p.kbli)
     AND (g.status_pekerjaan IS NULL OR g.status_pekerjaan = p.status_pekerjaan)
    WHERE p.periode = getvariable('periode') AND p.aktif
    GROUP BY p.kode_wilayah, g.kelompok
),
cells AS (
    SELECT r.kode_bps AS kode_wilayah, r.kode_kemendagri, r.nama_wilayah,
           g.kelompok, g.nama_kelompok, l.pekerja, coalesce(a.peserta_aktif, 0) AS peserta_aktif
    FROM ref_region r
    CROSS JOIN priority_group g
    LEFT JOIN labour l ON l.kode_wilayah = r.kode_bps AND l.kelompok = g.kelompok
    LEFT JOIN active a ON a.kode_wilayah = r.kode_bps AND a.kelompok = g.kelompok
),
final AS (
    SELECT getvariable('periode') AS periode, *,
           cakupan_persen(peserta_aktif, pekerja) AS cakupan_persen,
           belum_terlindungi(pekerja, peserta_aktif) AS belum_terlindungi,
           coalesce(cakupan_persen(peserta_aktif, pekerja) > 100, false) AS cakupan_di_atas_100,
           belum_terlindungi(pekerja, peserta_aktif) * getvariable('bpu_minimum_rp')
               AS biaya_perlindungan_bulanan_rp,
           12 * belum_terlindungi(pekerja, peserta_aktif) * getvariable('bpu_minimum_rp')
               AS biaya_perlindungan_tahunan_rp,
           belum_terlindungi(pekerja, peserta_aktif) * getvariable('jkm_death_benefit_rp')
               AS santunan_kematian_tidak_terlindungi_rp,
           (SELECT tahun FROM labour_year) AS tahun_pekerja
    FROM cells
)
SELECT {{ columns }} FROM final ORDER BY {{ order_by }}
