//! The pdf reader on arbitrary bytes, as a file named `.pdf` (the content still decides
//! the format: sniffing is fuzzed too).
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::extract_as(data, "contract.pdf");
});
