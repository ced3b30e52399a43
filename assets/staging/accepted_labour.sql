-- The accepted Sakernas rows of the year, judged on their way in, as staging.labour stores them.
INSERT INTO staging.labour ({{ columns }})
SELECT tahun_int, kode_wilayah, kbli, status_pekerjaan, jumlah_pekerja_int, file, line
FROM ({{ judged }}) ANTI JOIN later_duplicates USING (file_order, line)
WHERE len(broken) = 0
