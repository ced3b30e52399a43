-- The accepted Sakernas rows of the year, as staging.labour stores them.
INSERT INTO staging.labour ({{ columns }})
SELECT tahun_int, kode_wilayah, kbli, status_pekerjaan, jumlah_pekerja_int, file, line
FROM judged_rows WHERE len(rules) = 0
