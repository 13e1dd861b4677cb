// Shared by the targets (each includes it with `mod common;`).
//
// libfuzzer-sys turns every panic into an abort, even one that clausegap catches on
// purpose (PDF and DOCX parsing runs under `catch_unwind`, and in the CLI in a child
// process). That strict mode finds panics in third-party parsers. To fuzz past parser
// panics the tool already survives, and look only for real crashes (stack overflow, abort,
// out-of-memory, hangs), run with CLAUSEGAP_FUZZ_CAUGHT_PANICS_OK=1.

use std::path::Path;
use std::time::Duration;

use clausegap::extract::{extract_bytes, ExtractOptions};

#[allow(dead_code)]
pub fn extract_as(data: &[u8], name: &str) {
    use std::sync::Once;
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        if std::env::var_os("CLAUSEGAP_FUZZ_CAUGHT_PANICS_OK").is_some() {
            std::panic::set_hook(Box::new(|_| {}));
        }
    });
    let opts = ExtractOptions { timeout: Duration::from_secs(10), max_file_size: 16 * 1024 * 1024, ..ExtractOptions::default() };
    if let Ok(ex) = extract_bytes(data, Path::new(name), &opts) {
        // The contract of `Extracted`: `\n` lines only, page starts ascending from 0 and
        // within the text.
        assert!(!ex.text.contains('\r'), "a carriage return survived extraction");
        if let Some(&first) = ex.page_starts.first() {
            assert_eq!(first, 0, "page_starts[0] must be 0");
            assert!(ex.page_starts.windows(2).all(|w| w[0] <= w[1]), "page starts out of order");
        }
    }
}
