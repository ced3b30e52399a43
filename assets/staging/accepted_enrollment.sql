-- The accepted enrollment rows of the period, judged on their way in, as staging.enrollment
-- stores them: the valid NIK judged once per row, the domicile translated Kemendagri -> BPS
-- through the crosswalk (never joined raw), programs upper-case in the contract's order.
INSERT INTO staging.enrollment ({{ columns }})
WITH accepted AS (
    SELECT *, is_valid_nik(nik) AS nik_valid
    FROM ({{ judged }}) ANTI JOIN later_duplicates USING (file_order, line)
    WHERE len(broken) = 0
)
SELECT getvariable('periode'), file, line, kpj, nik, nik_valid,
       CASE WHEN nik_valid THEN nik_agrees(nik, tanggal_lahir_date, jenis_kelamin) END,
       nama, tanggal_lahir_date, jenis_kelamin, alamat, a.kode_wilayah,
       x.kode_kemendagri_kabkota, x.kode_bps, segmen, kbli,
       array_to_string(list_filter(known_programs(), lambda p: list_contains(program, p)), ';'),
       status, tanggal_kepesertaan_date, npp
FROM accepted a JOIN kemendagri_to_bps x ON x.kode_wilayah = a.kode_wilayah
