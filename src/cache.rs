//! The result cache of batch scans (`scan --cache DIR`): one file per analysed document,
//! keyed by what decides its result, so a re-run over an unchanged repository extracts and
//! analyses nothing, and any change to a document, a rule or an option misses.
//!
//! **Key.** `blake3(salt ‖ extension ‖ file bytes)`, where the salt is itself a blake3 hash
//! of the rule set's [`fingerprint`](crate::rules::RuleSet::fingerprint) (the text of every
//! rule file: changing one rule invalidates every entry), the options that change a result
//! (profile, report language), the tool version and an engine identity chosen by the caller
//! (the binary passes its own size and modification time, so a rebuilt binary never reads
//! entries of an older engine). The extension is part of the key because it breaks ties in
//! format sniffing (`.md` vs `.txt`). The path is *not* part of the key: a renamed or copied
//! contract is a hit, and the stored report gets the current path.
//!
//! **Content, not metadata.** The key is computed from the bytes, never from (path, size,
//! mtime): mtimes lie after `git checkout`, `cp -p`, `rsync -t` or an edit within the same
//! second, and a stale hit would silently report an old contract. Hashing costs one read of
//! the file (blake3 runs at well over 1 GB/s, far below the cost of extracting a PDF), so
//! "reads no document twice" here means: a hit never extracts or analyses again.
//!
//! **Layout.** `DIR/v1/ab/abcdef….json` (the report as compact JSON, path blanked). Entries
//! are written to a temp file in the same folder and renamed into place, so a crash or
//! Ctrl-C never leaves a torn entry; an entry that does not parse is treated as a miss and
//! rewritten. Concurrent runs sharing a folder are safe: the last rename wins and both
//! wrote the same result.
//!
//! **What is stored.** Results of analysed documents and of deterministic failures (a
//! malformed file, a PDF without text). Failures that depend on the moment — timeouts, I/O
//! errors, a file over `--max-file-size` — are never stored (the caller decides, see
//! [`crate::scan`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::report::model::DocumentReport;

/// Bumped when the entry format or the key derivation changes.
const LAYOUT: &str = "v1";

/// What, besides the document's bytes, decides a document's result.
#[derive(Debug, Clone, Default)]
pub struct CacheSalt {
    /// [`RuleSet::fingerprint`](crate::rules::RuleSet::fingerprint).
    pub rules_fingerprint: String,
    /// Options that change results, in a stable textual form (profile, report language).
    pub options: String,
    /// Tool version plus anything identifying the engine build.
    pub engine: String,
}

/// An open cache folder.
#[derive(Debug)]
pub struct Cache {
    root: PathBuf,
    salt: [u8; 32],
}

/// The key of one document: hex of a blake3 hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot use the cache folder {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Cache {
    /// Opens (creating it if needed) a cache folder for results under `salt`.
    pub fn open(dir: &Path, salt: &CacheSalt) -> Result<Cache, CacheError> {
        let root = dir.join(LAYOUT);
        std::fs::create_dir_all(&root).map_err(|source| CacheError::Io { path: root.display().to_string(), source })?;
        let mut h = blake3::Hasher::new();
        // Length-prefixed so that no two different salts hash the same bytes.
        for part in [LAYOUT, &salt.rules_fingerprint, &salt.options, &salt.engine] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        Ok(Cache { root, salt: *h.finalize().as_bytes() })
    }

    /// The folder entries live in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The key of a document with these bytes and this (lower-case) extension.
    pub fn key(&self, bytes: &[u8], extension: &str) -> CacheKey {
        let mut h = blake3::Hasher::new_keyed(&self.salt);
        h.update(&(extension.len() as u64).to_le_bytes());
        h.update(extension.as_bytes());
        h.update(bytes);
        CacheKey(h.finalize().to_hex().to_string())
    }

    fn entry_path(&self, key: &CacheKey) -> PathBuf {
        self.root.join(&key.0[..2]).join(format!("{}.json", key.0))
    }

    /// The stored result, with `path` set to `shown`; `None` on a miss or an unreadable
    /// entry.
    pub fn get(&self, key: &CacheKey, shown: &str) -> Option<DocumentReport> {
        let bytes = std::fs::read(self.entry_path(key)).ok()?;
        let mut doc: DocumentReport = serde_json::from_slice(&bytes).ok()?;
        doc.path = shown.to_string();
        Some(doc)
    }

    /// Stores a result atomically (temp file + rename in the entry's folder).
    pub fn put(&self, key: &CacheKey, doc: &DocumentReport) -> std::io::Result<()> {
        let path = self.entry_path(key);
        let dir = path.parent().expect("entry has a folder");
        std::fs::create_dir_all(dir)?;
        let mut stored = doc.clone();
        stored.path = String::new();
        let json = serde_json::to_vec(&stored).map_err(std::io::Error::other)?;
        let tmp = dir.join(format!(".{}-{}-{}.tmp", key.0, std::process::id(), TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)));
        let result = (|| {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            f.write_all(&json)?;
            std::fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn salt(fp: &str) -> CacheSalt {
        CacheSalt { rules_fingerprint: fp.into(), options: "auto/-".into(), engine: "0.1.0".into() }
    }

    #[test]
    fn round_trip_replaces_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), &salt("a")).unwrap();
        let key = cache.key(b"contract", "txt");
        assert!(cache.get(&key, "x.txt").is_none());
        let doc = DocumentReport::failed("old/path.txt".into(), "error", "malformed".into(), Some("txt".into()));
        cache.put(&key, &doc).unwrap();
        let back = cache.get(&key, "new/path.txt").unwrap();
        assert_eq!(back.path, "new/path.txt");
        assert_eq!(back.error.as_deref(), Some("malformed"));
    }

    #[test]
    fn rules_options_extension_and_bytes_all_change_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let a = Cache::open(dir.path(), &salt("a")).unwrap();
        let b = Cache::open(dir.path(), &salt("b")).unwrap();
        let k = a.key(b"x", "txt");
        assert_ne!(k, b.key(b"x", "txt"));
        assert_ne!(k, a.key(b"x", "md"));
        assert_ne!(k, a.key(b"y", "txt"));
        assert_eq!(k, a.key(b"x", "txt"));
    }

    #[test]
    fn a_torn_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), &salt("a")).unwrap();
        let key = cache.key(b"x", "txt");
        let p = cache.entry_path(&key);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"{\"path\":").unwrap();
        assert!(cache.get(&key, "x").is_none());
    }
}
