-- The data contract's rules that are expressions, as DuckDB macros: each is defined here
-- once and named after its rule, so `grep <name>` leads from the contract to the code
-- and its test. Loaded on every pipeline connection (TEMP: nothing is stored in a file).

-- Cleaning: "values are trimmed of surrounding white space; empty string = missing value".
-- White space includes tabs, line breaks and the no-break space; the regex guard keeps
-- the (slow) character-set trim off the values that need none.
CREATE OR REPLACE TEMP MACRO clean_text(x) AS
    nullif(CASE WHEN regexp_matches(x, '^[\s\x{0B}\x{A0}]|[\s\x{0B}\x{A0}]$')
                THEN trim(x, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160))
                ELSE x END, '');

-- Cleaning: "codes and enumerations are matched case-insensitively and stored upper-case".
CREATE OR REPLACE TEMP MACRO clean_code(x) AS upper(clean_text(x));

-- "Dates are ISO YYYY-MM-DD only; any other form breaks the type rule."
CREATE OR REPLACE TEMP MACRO parse_iso_date(x) AS
    CASE WHEN regexp_full_match(x, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
         THEN try_strptime(x, '%Y-%m-%d')::DATE END;

-- Integers: an optional sign and digits only ("12.5" or "1e3" break the type rule).
CREATE OR REPLACE TEMP MACRO parse_integer(x) AS
    CASE WHEN regexp_full_match(x, '[+-]?[0-9]{1,18}') THEN try_cast(x AS BIGINT) END;

-- Program names: ';'-separated, case-insensitive, blanks between separators ignored.
-- (A value without blanks, nearly all of them, is split without the regex: same list.)
CREATE OR REPLACE TEMP MACRO program_list(x) AS
    list_filter(CASE WHEN regexp_matches(x, '[\s\x{A0}]')
                     THEN regexp_split_to_array(upper(clean_text(x)), '[\s\x{A0}]*;[\s\x{A0}]*')
                     ELSE string_split(upper(clean_text(x)), ';') END,
                lambda p: p <> '');
CREATE OR REPLACE TEMP MACRO known_programs() AS ['JKK', 'JKM', 'JHT', 'JP', 'JKP'];

-- Age in completed years on a given day.
CREATE OR REPLACE TEMP MACRO age_on(birth_date, on_day) AS date_sub('year', birth_date, on_day);

-- Kemendagri -> BPS crosswalk. Enrollment codes (4-digit regency or 6-digit district,
-- Kemendagri) are always translated through this view, never joined raw to BPS codes:
-- 6402 and 6403 exist in both systems for different regencies.
CREATE OR REPLACE TEMP VIEW kemendagri_to_bps AS
    SELECT kode_kemendagri AS kode_wilayah, kode_kemendagri AS kode_kemendagri_kabkota, kode_bps
    FROM ref_region
    UNION ALL
    SELECT d.kode_kemendagri, d.kode_kemendagri_kabkota, r.kode_bps
    FROM ref_district d JOIN ref_region r ON r.kode_kemendagri = d.kode_kemendagri_kabkota;

-- Valid NIK: 16 digits; digits 1-2 a province code; digits 7-12 a real date DDMMYY where
-- women have 40 added to DD; digits 13-16 not 0000. The century is not in the NIK, so
-- the date is real when it exists in 19YY or 20YY, which is exactly when it exists in
-- 20YY (2000 is a leap year and 1900 is not; every other YY is a leap year in both or in
-- neither): checked by arithmetic, 7x cheaper than parsing two date strings.
CREATE OR REPLACE TEMP MACRO nik_day(nik) AS
    try_cast(substr(nik, 7, 2) AS INTEGER)
    - CASE WHEN try_cast(substr(nik, 7, 2) AS INTEGER) > 40 THEN 40 ELSE 0 END;
CREATE OR REPLACE TEMP MACRO nik_month(nik) AS try_cast(substr(nik, 9, 2) AS INTEGER);
CREATE OR REPLACE TEMP MACRO nik_date_is_real(nik) AS
    nik_month(nik) BETWEEN 1 AND 12
    AND nik_day(nik) BETWEEN 1 AND day(last_day(make_date(
        2000 + try_cast(substr(nik, 11, 2) AS INTEGER),
        greatest(least(nik_month(nik), 12), 1),  -- never an error, whatever the order
        1)));
CREATE OR REPLACE TEMP MACRO is_valid_nik(nik) AS
    CASE WHEN regexp_full_match(coalesce(nik, ''), '[0-9]{16}') THEN
        substr(nik, 1, 2) IN (SELECT kode_provinsi FROM ref_province)
        AND substr(nik, 13, 4) <> '0000'
        AND nik_date_is_real(nik)
    ELSE false END;

-- A valid NIK agrees with the row when its DDMMYY and sex match tanggal_lahir and
-- jenis_kelamin; a disagreement is kept and counted by a warning check.
CREATE OR REPLACE TEMP MACRO nik_agrees(nik, tanggal_lahir, jenis_kelamin) AS
    nik_day(nik) = day(tanggal_lahir)
    AND try_cast(substr(nik, 9, 2) AS INTEGER) = month(tanggal_lahir)
    AND try_cast(substr(nik, 11, 2) AS INTEGER) = year(tanggal_lahir) % 100
    AND (CASE WHEN try_cast(substr(nik, 7, 2) AS INTEGER) > 40 THEN 'P' ELSE 'L' END)
        = jenis_kelamin;

-- Person rule 2, name normalisation: case, punctuation, spacing, titles and common
-- abbreviations. Academic degrees follow a comma in Indonesian names ("BUDI, S.PD."),
-- so everything after the first comma goes; honorifics before the name are dropped;
-- MUH. / MOH. / M. and other spellings of MUHAMMAD become MUHAMMAD.
CREATE OR REPLACE TEMP MACRO normalise_name(nama) AS
    array_to_string(
        list_transform(
            list_filter(
                string_split(
                    regexp_replace(
                        regexp_replace(upper(split_part(nama, ',', 1)), '[''`]', '', 'g'),
                        '[^A-Z]+', ' ', 'g'),
                    ' '),
                lambda t: t <> '' AND NOT list_contains(
                    ['H', 'HJ', 'HJH', 'HAJI', 'HAJJAH', 'DR', 'DRS', 'DRA', 'DRG', 'IR',
                     'PROF', 'KH', 'USTADZ', 'USTAZ'], t)),
            lambda t: CASE
                WHEN list_contains(['M', 'MUH', 'MUHD', 'MOH', 'MOHD', 'MHD', 'MOCH', 'MUCH',
                                    'MUHAMAD', 'MUHAMMAD', 'MUHAMMED', 'MOHAMMAD', 'MOHAMAD',
                                    'MOHAMMED', 'MOHAMED', 'MUCHAMMAD', 'MUCHAMAD'], t)
                    THEN 'MUHAMMAD'
                WHEN t = 'ABD' THEN 'ABDUL'
                ELSE t END),
        ' ');

-- Person rule 2, "nearly the same (small spelling variants)": the same name, never a
-- different one. Shared family names are common (Batak marga, Minahasa fam, Bugis, Banjar),
-- so two given names one or two letters apart are usually two people (HADI / BUDI, DENI /
-- DANI, RINA / RINI, ILHAM / IRHAM, SUSANTO / SUSANTI, BAHARUDDIN / SAHARUDDIN): a string
-- distance alone cannot tell a slip from another name. Normalised names are nearly the
-- same when they are equal, or equal once spaces are removed (NUR HALIZA / NURHALIZA), or
-- have the same words but one, and that word is a `word_slip` of the other.
CREATE OR REPLACE TEMP MACRO names_nearly_same(a, b) AS
    a = b
    OR (a[1] = b[1]  -- cheap first: every variant keeps the first letter and the last
        AND (a[-1] = b[-1] OR (a[-1] IN ('I', 'Y') AND b[-1] IN ('I', 'Y')))
        AND (replace(a, ' ', '') = replace(b, ' ', '')
             OR (abs(length(a) - length(b)) <= 1
                 AND one_word_slip(string_split(a, ' '), string_split(b, ' ')))));

-- The same number of words, all equal but one pair, and that pair is a slip.
CREATE OR REPLACE TEMP MACRO one_word_slip(words_a, words_b) AS
    len(words_a) = len(words_b)
    AND len(list_filter(list_zip(words_a, words_b), lambda w: w[1] <> w[2])) = 1
    AND list_bool_or(list_transform(list_zip(words_a, words_b), lambda w: word_slip(w[1], w[2])));

-- One slip of the pen inside a word: one edit (Damerau-Levenshtein distance 1) in a word
-- whose shorter spelling has 5+ letters, keeping its first and last letter (endings mark
-- different names: SAPUTRA / SAPUTRI / SAPUTRO, RAHMAN / RAHMAT, HIDAYAT / HIDAYATI;
-- so do initials: BAHARUDDIN / SAHARUDDIN), where the edit is
--   a letter dropped or added (PRATAMA / PRATMA, NURJANNAH / NURJANAH),
--   two neighbouring letters swapped (RIZKI / RZIKI),
--   a vowel written for another (NORDIN / NURDIN, YOHANES / YOHANIS), or
--   a letter for its spelling twin: I for Y, the end included (RIZKI / RIZKY), S for Z
--   (NURHALIZA / NURHALISA).
-- A consonant written for another makes another name (ILHAM / IRHAM, HAKIM / HALIM,
-- WAHYUDI / WAHYUNI), and so does any edit of a shorter word (DENI / DANI, RINA / RINI).
CREATE OR REPLACE TEMP MACRO word_slip(x, y) AS
    least(length(x), length(y)) >= 5
    AND x[1] = y[1]
    AND (x[-1] = y[-1]
         OR (length(x) = length(y) AND x[-1] IN ('I', 'Y') AND y[-1] IN ('I', 'Y')))
    AND damerau_levenshtein(x, y) = 1
    AND CASE WHEN length(x) <> length(y) THEN true  -- a letter dropped or added
             ELSE hamming(x, y) = 2  -- two neighbours swapped (hamming needs equal lengths)
                  OR translate(x, 'YZ', 'IS') = translate(y, 'YZ', 'IS')
                  OR translate(x, 'EIOU', 'AAAA') = translate(y, 'EIOU', 'AAAA') END;

-- How far apart two nearly-same names are, to prefer the nearest: 0 when equal.
CREATE OR REPLACE TEMP MACRO name_distance(a, b) AS
    CASE WHEN a = b THEN 0 ELSE damerau_levenshtein(a, b) END;

-- Addresses compared ignoring case, spacing and punctuation: the tie-break between
-- namesakes (two NIK persons whose names a NIK-less row matches equally well).
CREATE OR REPLACE TEMP MACRO address_key(alamat) AS
    trim(regexp_replace(upper(coalesce(alamat, '')), '[^A-Z0-9]+', ' ', 'g'));

-- Formal/informal: PU and JAKON count as FORMAL, BPU as INFORMAL (PMI as neither).
CREATE OR REPLACE TEMP MACRO status_pekerjaan_of(segmen) AS
    CASE WHEN segmen IN ('PU', 'JAKON') THEN 'FORMAL' WHEN segmen = 'BPU' THEN 'INFORMAL' END;

-- Coverage: 100 x peserta_aktif / pekerja, not capped; NULL where pekerja is 0 or missing.
CREATE OR REPLACE TEMP MACRO cakupan_persen(peserta_aktif, pekerja) AS
    CASE WHEN pekerja IS NULL OR pekerja = 0 THEN NULL
         ELSE 100.0 * peserta_aktif / pekerja END;

-- Not yet protected: max(pekerja - peserta_aktif, 0); unknown where pekerja is missing
-- (DuckDB's greatest() would silently turn NULL into 0).
CREATE OR REPLACE TEMP MACRO belum_terlindungi(pekerja, peserta_aktif) AS
    CASE WHEN pekerja IS NULL THEN NULL ELSE greatest(pekerja - peserta_aktif, 0) END;
