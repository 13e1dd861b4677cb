//! Plain-text decoding: turns the bytes of a `.txt`/`.md` file (or of an HTML page before
//! parsing) into a Rust string with `\n` line ends, and names the encoding it found.
//!
//! Order of checks, and why:
//! 1. A BOM is authoritative (UTF-8, UTF-16LE/BE; UTF-32 is refused by name).
//! 2. NUL bytes: in text they only occur in UTF-16 without a BOM (ASCII characters have a
//!    zero high byte, so zeros pile up on one byte parity). chardetng never answers UTF-16,
//!    so this must come before it. NULs without that pattern mean binary content.
//! 3. Strict UTF-8 — most files; a valid UTF-8 file is never second-guessed, except a pure
//!    7-bit file carrying ISO-2022-JP escape sequences.
//! 4. chardetng *without* a TLD hint (the `jp` hint turns English Windows-1252 into
//!    Shift_JIS), fed at most 64 KB. Its guess competes with Shift_JIS, EUC-JP and
//!    almost-UTF-8 (a truncated last character) by the number of decoding errors.
//! 5. The decoded text must look like text: too many control characters is binary content.
//!
//! Line ends: `\r\n` becomes `\n`; a lone `\r` (classic Mac files) also becomes `\n`,
//! because editors show it as a line break and the evidence line numbers must match what
//! the reader sees. Nothing else is changed, so for plain text the line numbers of the
//! extracted text are those of the file.

use encoding_rs::{Encoding, EUC_JP, ISO_2022_JP, SHIFT_JIS, UTF_16BE, UTF_16LE, UTF_8};

use super::ExtractError;

/// chardetng gains nothing from more than this; feeding whole files wastes time.
const DETECT_PREFIX: usize = 64 * 1024;

/// Decodes bytes to text with `\n` line ends; returns the encoding's name.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), ExtractError> {
    let (text, encoding) = decode_raw(bytes)?;
    check_textual(&text, encoding)?;
    Ok((normalize_line_ends(text), encoding.name()))
}

/// Decodes with a known encoding (e.g. an HTML `<meta charset>`), falling back to detection
/// when the declared encoding produces errors (pages often lie about their charset).
pub fn decode_with_hint(
    bytes: &[u8],
    declared: Option<&'static Encoding>,
) -> Result<(String, &'static str), ExtractError> {
    if let Some((enc, rest)) = Encoding::for_bom(bytes) {
        let (text, errors) = decode_counting(enc, &bytes[rest..]);
        if errors == 0 {
            return Ok((normalize_line_ends(text), enc.name()));
        }
    }
    // Valid non-ASCII UTF-8 is never an accident, whatever the page declares (CMSs
    // convert pages to UTF-8 and keep the old meta tag).
    if !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
        return decode(bytes);
    }
    if let Some(enc) = declared {
        // A declared UTF-16 in a byte stream without BOM that parsed as ASCII is a lie
        // (the meta tag itself was readable as ASCII), so UTF-16 declarations are ignored.
        if enc != UTF_16LE && enc != UTF_16BE {
            let (text, errors) = decode_counting(enc, bytes);
            if errors == 0 {
                check_textual(&text, enc)?;
                return Ok((normalize_line_ends(text), enc.name()));
            }
        }
    }
    decode(bytes)
}

fn decode_raw(bytes: &[u8]) -> Result<(String, &'static Encoding), ExtractError> {
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(ExtractError::Decode("UTF-32 text is not supported; save the file as UTF-8".into()));
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, errors) = decode_counting(enc, &bytes[bom_len..]);
        if errors > tolerated_errors(text.chars().count()) {
            return Err(ExtractError::Decode(format!(
                "the file starts with a {} byte-order mark but {errors} byte sequences are not valid {}",
                enc.name(),
                enc.name()
            )));
        }
        return Ok((text, enc));
    }

    if let Some(nul) = memchr_nul(bytes) {
        if let Some(enc) = utf16_by_zero_pattern(bytes) {
            let (text, errors) = decode_counting(enc, bytes);
            if errors <= tolerated_errors(text.chars().count()) {
                return Ok((text, enc));
            }
        }
        return Err(ExtractError::Decode(format!(
            "binary content (NUL byte at offset {nul}), not text in a known encoding"
        )));
    }

    if let Ok(text) = std::str::from_utf8(bytes) {
        // ISO-2022-JP is 7-bit and therefore also valid UTF-8; its escape sequences give
        // it away.
        if bytes.contains(&0x1B) && has_iso2022jp_escape(bytes) {
            let (text, errors) = decode_counting(ISO_2022_JP, bytes);
            if errors == 0 {
                return Ok((text, ISO_2022_JP));
            }
        }
        return Ok((text.to_owned(), UTF_8));
    }

    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    let prefix = &bytes[..bytes.len().min(DETECT_PREFIX)];
    detector.feed(prefix, prefix.len() == bytes.len());
    let guess = detector.guess(None, chardetng::Utf8Detection::Allow);

    // Candidates in order of preference; the first with the fewest errors wins. UTF-8 comes
    // first so that a UTF-8 file with one broken character (e.g. cut off at the end) stays
    // UTF-8 instead of turning into mojibake in a single-byte encoding that never errs.
    let mut best: Option<(String, &'static Encoding, usize)> = None;
    let mut try_candidate = |enc: &'static Encoding| {
        if best.as_ref().is_some_and(|b| b.1 == enc) {
            return;
        }
        let (text, errors) = decode_counting(enc, bytes);
        if best.as_ref().is_none_or(|b| errors < b.2) {
            best = Some((text, enc, errors));
        }
    };
    if looks_like_damaged_utf8(bytes) {
        try_candidate(UTF_8);
    }
    try_candidate(guess);
    try_candidate(SHIFT_JIS);
    try_candidate(EUC_JP);
    let (text, enc, errors) = best.expect("at least one candidate was tried");

    // A file without any ASCII (Japanese-only UTF-16 without BOM) has no zero bytes, so
    // the zero-pattern check above cannot see it, and a single-byte guess decodes it
    // "cleanly" into mojibake. UTF-16 wins when it decodes without errors into text made of
    // ordinary characters, and more of them than the best legacy guess.
    if bytes.len().is_multiple_of(2) {
        let legacy_share = if errors > 0 { 0.0 } else { plausible_share(&text) };
        for enc16 in [UTF_16LE, UTF_16BE] {
            let (t16, e16) = decode_counting(enc16, bytes);
            let share16 = if e16 == 0 { plausible_share(&t16) } else { 0.0 };
            if share16 > 0.95 && share16 > legacy_share {
                return Ok((t16, enc16));
            }
        }
    }
    if errors > tolerated_errors(text.chars().count()) {
        return Err(ExtractError::Decode(format!(
            "not valid text in any supported encoding (UTF-8, UTF-16, Shift_JIS, EUC-JP, \
             ISO-2022-JP): best guess {} still has {errors} undecodable byte sequences",
            enc.name()
        )));
    }
    Ok((text, enc))
}

/// A few stray bytes (one damaged character in a long contract) are replaced with U+FFFD
/// rather than refusing the whole document; more than that means a wrong encoding.
fn tolerated_errors(chars: usize) -> usize {
    (chars / 2000).min(16)
}

/// Decodes without BOM sniffing and counts malformed sequences (U+FFFD produced by the
/// decoder, not those already present in the text).
fn decode_counting(enc: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(cap);
    let mut errors = 0usize;
    let mut input = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(input, &mut out, true);
        input = &input[read..];
        match result {
            encoding_rs::DecoderResult::InputEmpty => break,
            encoding_rs::DecoderResult::OutputFull => {
                out.reserve(input.len().saturating_mul(3).max(16));
            }
            encoding_rs::DecoderResult::Malformed(_, _) => {
                errors += 1;
                out.push('\u{FFFD}');
            }
        }
    }
    (out, errors)
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == 0)
}

/// UTF-16 without BOM: ASCII characters (newlines, digits, punctuation, Latin words)
/// put a zero on the high byte, so zeros gather on odd offsets (LE) or even offsets (BE).
/// Binary files have zeros at both parities.
fn utf16_by_zero_pattern(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(DETECT_PREFIX) & !1];
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let total = even + odd;
    if total == 0 {
        return None;
    }
    if odd * 10 >= total * 9 {
        Some(UTF_16LE)
    } else if even * 10 >= total * 9 {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn has_iso2022jp_escape(bytes: &[u8]) -> bool {
    const ESCAPES: [&[u8]; 4] = [b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I"];
    bytes.windows(3).any(|w| ESCAPES.contains(&w))
}

/// Mostly valid multi-byte UTF-8 with very few bad sequences (a file cut inside a
/// character, one byte flipped).
fn looks_like_damaged_utf8(bytes: &[u8]) -> bool {
    let (text, errors) = decode_counting(UTF_8, bytes);
    let multibyte = text.chars().filter(|&c| c as u32 >= 0x80 && c != '\u{FFFD}').count();
    multibyte >= 8 && errors * 100 <= multibyte
}

/// Share of characters that ordinary contract text is made of.
fn plausible_share(text: &str) -> f64 {
    let mut total = 0usize;
    let mut good = 0usize;
    for c in text.chars() {
        total += 1;
        let u = c as u32;
        let ok = matches!(c, '\n' | '\r' | '\t')
            || (0x20..0x7F).contains(&u)
            || (0xA0..=0xFF).contains(&u) // Latin-1 letters (é, ü) and signs
            || matches!(u, 0x2018..=0x201D | 0x2013 | 0x2014 | 0x2026 | 0x20AC) // typographic
            || (0x3000..=0x30FF).contains(&u) // CJK punctuation, hiragana, katakana
            || (0x4E00..=0x9FFF).contains(&u) // CJK unified ideographs (common)
            || (0xFF00..=0xFFEF).contains(&u) // full-width forms
            || (0x2460..=0x24FF).contains(&u); // circled numbers
        good += usize::from(ok);
    }
    if total == 0 { 0.0 } else { good as f64 / total as f64 }
}

/// Refuses text that is really binary data decoded by accident.
fn check_textual(text: &str, enc: &'static Encoding) -> Result<(), ExtractError> {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars() {
        total += 1;
        // \t \n \r, form feed (page breaks from pdftotext), and the DOS end-of-file mark
        // are normal in text files.
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0C}' | '\u{1A}' | '\u{85}') {
            if c == '\0' {
                return Err(ExtractError::Decode(format!(
                    "binary content: NUL character in text decoded as {}",
                    enc.name()
                )));
            }
            control += 1;
        }
    }
    // 2% control characters is far beyond any real document.
    if total > 0 && control * 50 > total {
        return Err(ExtractError::Decode(format!(
            "binary content: {control} of {total} characters are control characters (decoded as {})",
            enc.name()
        )));
    }
    Ok(())
}

fn normalize_line_ends(text: String) -> String {
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const JA: &str = "第１条（秘密保持）\r\n乙は、本業務に関して知り得た甲の秘密を第三者に漏えいしてはならない。\r\n\
                      第２条（再委託）\r\n乙は、甲の事前の書面による承諾を得た場合を除き、本業務を第三者に再委託してはならない。\r\n\
                      ２　乙は、前項の承諾を得て再委託する場合、再委託先に本契約と同等の義務を負わせるものとする。\r\n";
    const EN: &str = "Article 1 Confidentiality\nThe Processor shall keep the Customer's data confidential.\n\
                      Article 2 Sub-processors\nThe Processor shall not engage another processor without prior written authorisation.\n";

    fn expected_ja() -> String {
        JA.replace("\r\n", "\n")
    }

    fn encode(enc: &'static Encoding, s: &str) -> Vec<u8> {
        let (bytes, _, had_errors) = enc.encode(s);
        assert!(!had_errors, "test text not representable in {}", enc.name());
        bytes.into_owned()
    }

    fn utf16(s: &str, big_endian: bool) -> Vec<u8> {
        s.encode_utf16()
            .flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() })
            .collect()
    }

    #[test]
    fn utf8_plain_and_bom() {
        let (t, e) = decode(JA.as_bytes()).unwrap();
        assert_eq!((t.as_str(), e), (expected_ja().as_str(), "UTF-8"));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(JA.as_bytes());
        let (t, e) = decode(&bom).unwrap();
        assert_eq!((t.as_str(), e), (expected_ja().as_str(), "UTF-8"));
    }

    #[test]
    fn utf16_with_bom_both_endians() {
        for (be, name) in [(false, "UTF-16LE"), (true, "UTF-16BE")] {
            let mut bytes = if be { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
            bytes.extend(utf16(JA, be));
            let (t, e) = decode(&bytes).unwrap();
            assert_eq!((t.as_str(), e), (expected_ja().as_str(), name));
        }
    }

    #[test]
    fn utf16_without_bom_both_endians() {
        for (be, name) in [(false, "UTF-16LE"), (true, "UTF-16BE")] {
            let (t, e) = decode(&utf16(JA, be)).unwrap();
            assert_eq!((t.as_str(), e), (expected_ja().as_str(), name));
            let (t, e) = decode(&utf16(EN, be)).unwrap();
            assert_eq!((t.as_str(), e), (EN, name));
        }
    }

    #[test]
    fn utf16_without_bom_or_ascii() {
        // No ASCII at all, hence no zero bytes to detect it by.
        let s = "秘密保持乙は本業務に関して知り得た甲の秘密を第三者に漏えいしてはならない。".repeat(4);
        let (t, e) = decode(&utf16(&s, false)).unwrap();
        assert_eq!((t.as_str(), e), (s.as_str(), "UTF-16LE"));
    }

    #[test]
    fn shift_jis_euc_jp_iso2022jp() {
        for enc in [SHIFT_JIS, EUC_JP, ISO_2022_JP] {
            let (t, e) = decode(&encode(enc, JA)).unwrap();
            assert_eq!(e, enc.name());
            assert_eq!(t, expected_ja());
        }
    }

    #[test]
    fn short_shift_jis_line() {
        let s = "第１条（秘密保持）乙は、本業務に関して知り得た甲の秘密を第三者に漏えいしてはならない。";
        let (t, e) = decode(&encode(SHIFT_JIS, s)).unwrap();
        assert_eq!((t.as_str(), e), (s, "Shift_JIS"));
    }

    #[test]
    fn cp932_extensions_decode() {
        // ① and ㈱ are NEC/IBM extensions: CP932 has them, strict JIS X 0208 does not.
        let s = "①　甲は、株式会社（㈱）の秘密を保持する。\n②　乙は、これに従う。\n";
        let (t, e) = decode(&encode(SHIFT_JIS, s)).unwrap();
        assert_eq!((t.as_str(), e), (s, "Shift_JIS"));
    }

    #[test]
    fn english_windows_1252_is_not_shift_jis() {
        let s = "The Supplier\u{2019}s obligations \u{2014} including confidentiality \u{2014} survive termination.\n\
                 Caf\u{e9} na\u{ef}ve r\u{e9}sum\u{e9}.\n";
        let bytes = encode(encoding_rs::WINDOWS_1252, s);
        let (t, e) = decode(&bytes).unwrap();
        assert_eq!(e, "windows-1252");
        assert_eq!(t, s);
    }

    #[test]
    fn line_ends() {
        let (t, _) = decode(b"a\r\nb\rc\n").unwrap();
        assert_eq!(t, "a\nb\nc\n");
    }

    #[test]
    fn truncated_utf8_stays_utf8() {
        let mut bytes = JA.repeat(3).into_bytes();
        bytes.truncate(bytes.len() - 2); // cut inside the last 「。」
        let (t, e) = decode(&bytes).unwrap();
        assert_eq!(e, "UTF-8");
        assert!(t.starts_with("第１条（秘密保持）"));
    }

    #[test]
    fn binary_is_refused() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0";
        assert!(matches!(decode(png), Err(ExtractError::Decode(_))));
        let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        let err = decode(&noise).unwrap_err();
        assert!(matches!(err, ExtractError::Decode(_)), "{err}");
        let controls: Vec<u8> = (0..2000).map(|i| if i % 3 == 0 { 0x01 } else { b'a' }).collect();
        assert!(matches!(decode(&controls), Err(ExtractError::Decode(_))));
    }

    #[test]
    fn declared_charset_wins_when_clean() {
        let bytes = encode(SHIFT_JIS, JA);
        let (t, e) = decode_with_hint(&bytes, Some(SHIFT_JIS)).unwrap();
        assert_eq!((t.as_str(), e), (expected_ja().as_str(), "Shift_JIS"));
        // A page that claims Shift_JIS but is UTF-8 falls back to detection.
        let (t, e) = decode_with_hint(JA.as_bytes(), Some(SHIFT_JIS)).unwrap();
        assert_eq!((t.as_str(), e), (expected_ja().as_str(), "UTF-8"));
    }
}
