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

-- Kemendagri -> BPS crosswalk, national. Enrollment codes (4-digit regency or 6-digit
-- district, Kemendagri) are always translated through this view, never joined raw to BPS
-- codes: 6402 and 6403 exist in both systems for different regencies (and 9401 is Nabire
-- for Kemendagri, Merauke for BPS). Each code carries its province (Kemendagri).
CREATE OR REPLACE TEMP VIEW kemendagri_to_bps AS
    SELECT kode_kemendagri AS kode_wilayah, kode_kemendagri AS kode_kemendagri_kabkota, kode_bps,
           kode_provinsi_kemendagri
    FROM ref_regency
    UNION ALL
    SELECT d.kode_kemendagri, d.kode_kemendagri_kabkota, r.kode_bps, r.kode_provinsi_kemendagri
    FROM ref_district_all d JOIN ref_regency r ON r.kode_kemendagri = d.kode_kemendagri_kabkota;

-- The BPS regency codes a labour row may carry, with their province (Kemendagri). The BPS
-- codes of Papua's regencies are from before the 2022 split (confirmed = 'no'): a deployment
-- that covers a Papua province refuses to guess (its rows with them are unknown_code); any
-- other deployment still knows they lie in Papua, outside it.
CREATE OR REPLACE TEMP VIEW bps_regency AS
    SELECT kode_bps, kode_provinsi_kemendagri FROM ref_regency
    WHERE confirmed = 'yes' OR NOT EXISTS (SELECT 1 FROM ref_region WHERE confirmed = 'no');

-- The provinces the deployment covers (CAKUPAN_PROVINCES): those of its regions.
CREATE OR REPLACE TEMP VIEW deployment_province AS
    SELECT DISTINCT kode_provinsi_kemendagri FROM ref_region;

-- Valid NIK: 16 digits; digits 1-2 a province code (any of the 38, Kemendagri); digits 7-12 a real date DDMMYY where
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
        substr(nik, 1, 2) IN (SELECT kode_kemendagri FROM ref_province)
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

-- Person rule 2, name normalisation: upper case; punctuation and spacing collapsed; titles
-- and degrees dropped (honorifics before the name: H., HJ., DR., IR., ...; everything
-- after the first comma: ", S.PD."); MUH. / MOH. / M. and the other spellings of MUHAMMAD
-- read MUHAMMAD.
CREATE OR REPLACE TEMP MACRO name_titles() AS
    ['H', 'HJ', 'HJH', 'HAJI', 'HAJJAH', 'DR', 'DRS', 'DRA', 'DRG', 'DRH', 'IR', 'PROF', 'KH',
     'USTADZ', 'USTAZ', 'NS', 'BPK', 'SDR', 'SDRI', 'TN', 'NY'];
CREATE OR REPLACE TEMP MACRO name_words(nama) AS
    list_filter(
        string_split(
            regexp_replace(
                regexp_replace(upper(split_part(nama, ',', 1)), '[''`]', '', 'g'),
                '[^A-Z]+', ' ', 'g'),
            ' '),
        lambda t: t <> '');
CREATE OR REPLACE TEMP MACRO without_leading_titles(words) AS
    list_slice(words,
               coalesce(list_position(list_transform(words,
                                                     lambda t: list_contains(name_titles(), t)),
                                      false),
                        len(words) + 1),
               len(words));
CREATE OR REPLACE TEMP MACRO normalise_name(nama) AS
    array_to_string(
        list_transform(
            without_leading_titles(name_words(nama)),
            lambda t: CASE
                WHEN list_contains(['M', 'MUH', 'MUHD', 'MOH', 'MOHD', 'MHD', 'MOCH', 'MUCH',
                                    'MUHAMAD', 'MUHAMMAD', 'MUHAMMED', 'MOHAMMAD', 'MOHAMAD',
                                    'MOHAMMED', 'MOHAMED', 'MUCHAMMAD', 'MUCHAMAD'], t)
                    THEN 'MUHAMMAD'
                WHEN t = 'ABD' THEN 'ABDUL'
                ELSE t END),
        ' ');

-- Person rule 2, the old spelling (Ejaan Lama) read as today's: OE = U, DJ = J, TJ = C,
-- SJ = SY, CH = KH, and NJ = NY at the start of a word (SOEHARTO / SUHARTO, DJOKO / JOKO,
-- TJAHJADI / CAHJADI, NJOMAN / NYOMAN). Names are compared as written and in this
-- reading; the closer of the two counts. `has_old_spelling` keeps the reading off the
-- names it cannot change.
CREATE OR REPLACE TEMP MACRO has_old_spelling(name_key) AS
    regexp_matches(name_key, 'OE|DJ|TJ|SJ|CH|(^| )NJ');
CREATE OR REPLACE TEMP MACRO old_spelling_read(name_key) AS
    regexp_replace(
        replace(replace(replace(replace(replace(name_key, 'OE', 'U'), 'DJ', 'J'), 'TJ', 'C'),
                        'SJ', 'SY'), 'CH', 'KH'),
        '(^| )NJ', '\1NY', 'g');

-- One slip of the pen inside a word: one letter written for any other letter, one letter
-- added or dropped, or two neighbouring letters swapped (Damerau-Levenshtein distance 1),
-- where both spellings of the word have at least five letters. Any letter, the first and
-- the last included: a typing slip does not care (HERMAWAN / HERMAWAM, AHMAD / AHMAT,
-- SUTRISNO / SUTRISNA). A changed word of fewer than five letters is another name (DENI /
-- DANI, RINA / RINI): short names are too close to each other for one letter to tell.
-- The price, stated by the contract: ILHAM / IRHAM (both men, one without a valid NIK,
-- the same birth date and regency) are read as one person.
CREATE OR REPLACE TEMP MACRO word_slip(x, y) AS
    least(length(x), length(y)) >= 5 AND damerau_levenshtein(x, y) = 1;

-- The same number of words, all equal but one pair, and that pair is a slip.
CREATE OR REPLACE TEMP MACRO one_word_slip(words_a, words_b) AS
    len(words_a) = len(words_b)
    AND len(list_filter(list_zip(words_a, words_b), lambda w: w[1] <> w[2])) = 1
    AND list_bool_or(list_transform(list_zip(words_a, words_b), lambda w: word_slip(w[1], w[2])));

-- Nearly the same as written (without the old-spelling reading).
CREATE OR REPLACE TEMP MACRO names_nearly_same_as_written(a, b) AS
    replace(a, ' ', '') = replace(b, ' ', '')
    OR (abs(length(a) - length(b)) <= 1  -- cheap first: one slip changes the length by one at most
        AND one_word_slip(string_split(a, ' '), string_split(b, ' ')));

-- The old-spelling reading of a normalised name, NULL where it has none (it reads as
-- written): the pair macros below take it beside the name, so that a step comparing many
-- pairs reads each name once, not once per pair.
CREATE OR REPLACE TEMP MACRO old_reading(name_key) AS
    CASE WHEN has_old_spelling(name_key) THEN old_spelling_read(name_key) END;

-- Person rule 2, "nearly the same": two normalised names are nearly the same when they
-- are equal, or equal once the spaces are removed (NUR HALIZA / NURHALIZA), or have the
-- same words in the same order but one, and that word differs by one slip (`word_slip`):
-- compared as written and in the old-spelling reading (a_old, b_old: `old_reading`).
CREATE OR REPLACE TEMP MACRO names_nearly_same_as_read(a, a_old, b, b_old) AS
    a = b
    OR names_nearly_same_as_written(a, b)
    OR ((a_old IS NOT NULL OR b_old IS NOT NULL)
        AND names_nearly_same_as_written(coalesce(a_old, a), coalesce(b_old, b)));
CREATE OR REPLACE TEMP MACRO names_nearly_same(a, b) AS
    names_nearly_same_as_read(a, old_reading(a), b, old_reading(b));

-- Where rule 2 looks: keys that any two names nearly the same as written share, at least
-- one: the name without its spaces (equal names, NUR HALIZA / NURHALIZA), and for each
-- word of five letters or more, the word count, the word's place and the other words
-- (two names one slip apart in that word: `one_word_slip`). With the keys of the
-- old-spelling reading too, every pair `names_nearly_same_as_read` accepts shares a key;
-- the steps join names on a shared key inside a block, instead of every name of a block
-- with every other, and the macro still judges each pair found.
CREATE OR REPLACE TEMP MACRO one_word_left_out_keys(words) AS
    list_transform(
        list_filter(range(1, len(words) + 1), lambda i: length(words[i]) >= 5),
        lambda i: len(words) || ':' || i || ':'
                  || array_to_string(list_concat(words[:i - 1], words[i + 1:]), ' '));
CREATE OR REPLACE TEMP MACRO name_pair_keys(name_key) AS
    list_prepend(replace(name_key, ' ', ''), one_word_left_out_keys(string_split(name_key, ' ')));
CREATE OR REPLACE TEMP MACRO name_pair_keys_as_read(name_key, name_old) AS
    CASE WHEN name_old IS NULL THEN name_pair_keys(name_key)
         ELSE list_distinct(list_concat(name_pair_keys(name_key), name_pair_keys(name_old))) END;

-- How far apart two nearly-same names are, to prefer the nearest: 0 when equal (as written
-- or in the old-spelling reading), else the edits between them, the closer reading counting.
CREATE OR REPLACE TEMP MACRO name_distance_as_read(a, a_old, b, b_old) AS
    CASE WHEN a = b THEN 0
         WHEN a_old IS NOT NULL OR b_old IS NOT NULL
             THEN least(damerau_levenshtein(a, b),
                        damerau_levenshtein(coalesce(a_old, a), coalesce(b_old, b)))
         ELSE damerau_levenshtein(a, b) END;
CREATE OR REPLACE TEMP MACRO name_distance(a, b) AS
    name_distance_as_read(a, old_reading(a), b, old_reading(b));

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
