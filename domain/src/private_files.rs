//! Files that hold secrets (the master key, the SQLite database with sealed keys, password
//! hashes and sessions): created readable by their owner only, and reported when an existing
//! one can be read by others.

use std::fs::File;
use std::path::Path;

/// Creates `path` with mode 0600. `None` when it already exists (perhaps created a moment ago by
/// another process), which is left as it is.
pub fn create_private(path: &Path) -> std::io::Result<Option<File>> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(e),
    }
}

/// Logs a warning, and returns true, when `path` can be read or written by anyone but its owner.
pub fn warn_if_readable_by_others(path: &Path, what: &str) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "{what} can be read by other users of this machine; run chmod 600 on it"
                );
                return true;
            }
        }
    }
    let _ = (path, what);
    false
}
